/*
 * pte_free_defer.pml - SPIN model of the powerpc PTE_FREE_DEFERRED protocol
 * (arch/powerpc/mm/pgtable-frag.c, Linux 6.1 + the pte_free_defer() series,
 * DESIGN.md section 3, revised: one call_rcu() per page, queued by whoever
 * drops the page's last plain reference; the callback runs the destructor
 * and frees the page, no requeue).
 *
 * One page of NF page-table fragments sharing one page->pt_frag_refcount and
 * one page->rcu_head.  The count reads P + D * PTE_FREE_DEFERRED: P plain
 * references (live fragments, and those of the mm's cache not handed out
 * yet), D deferred fragments.  Processes:
 *   Frag(f)    fragment f: allocate (handed out in order from the mm's cache)
 *              -> live (visible to lockless readers) -> pte_free() (plain,
 *              pte_fragment_free(table, 0)) or pte_free_defer(); which one
 *              is chosen freely at allocation.
 *   Callback   one instance per call_rcu(&page->rcu_head, pte_free_now):
 *              waits for its grace period, then runs pte_free_now():
 *              destructor, __free_page().  It never queues again.
 *   Teardown   destroy_pagetable_cache() -> pte_frag_destroy(): drops the
 *              references of the fragments not yet handed out.  In 6.1 it
 *              runs from arch_exit_mmap() at the start of exit_mmap(), before
 *              free_pgtables(), so with fragments still live and deferrals
 *              pending: the model lets it run at any time after the first
 *              hand-out; nothing is handed out after it.
 *   Reader(r)  NR lockless walkers (GUP-fast / hash fault: IRQs off = RCU
 *              read-side section), NSEC sections each; in a section a reader
 *              may pick up a linked table and keep it across any window until
 *              it leaves the section.  Readers only pick tables that will be
 *              given to pte_free_defer(): keeping walkers off a table given
 *              to plain pte_free() is that caller's job (tlb_remove_table*),
 *              not this protocol's.
 *
 * Grace periods are exact: call_rcu() snapshots the set of readers inside
 * their read-side section (rin) into cbwait; a reader leaving its section
 * clears its bit there; the callback is invoked only when cbwait is empty,
 * i.e. when every reader that was inside at call_rcu() time has left that
 * section (readers entering later do not delay it).  One cbwait suffices
 * because P1 (below) is asserted at every call_rcu(): a second call_rcu()
 * on the page is already an error.  Two ghosts check P3 independently of
 * the callback machinery: each pte_free_defer() snapshots rin into fin[f],
 * cleared the same way (no reader that could see the table is still
 * inside), and gpd[f] records that a call_rcu() was made after deferral f
 * (1) and that its grace period then ended (2): the page may be freed only
 * when every deferral is at 2, so a grace period skipped is caught even
 * when no reader is around.  Nothing else is assumed of RCU: the callback
 * may run at any time after its grace period, and a running callback is
 * NOT treated as a reader (a superset of the real behaviour).  The memory
 * model is sequentially consistent (every atomic used here returns a value
 * and is fully ordered).
 *
 * Atomicity follows the C code: every atomic_*() on pt_frag_refcount is one
 * atomic step; the BUG_ON read, the tests of pte_page_release() on the
 * returned value, the destructor, __free_page() and call_rcu() are separate
 * steps, and every interleaving is explored.  Ghost bookkeeping (fragment
 * states, grace-period snapshots, the release decision) rides along in the
 * step of the C statement it belongs to.  The VM_WARN test rides along with
 * the atomic_add_return() it tests (it only reads the returned value).
 *
 * Offset: PTE_FREE_DEFERRED is NOT scaled down by default: OFFSET = 0x10000
 * as in the C code (Promela int is 32 bit; the counter stays below
 * NF * OFFSET).  -DOFFSET=<n> scales it down.  Every operation lowers P by
 * at least one from its start value NF, and P never goes up, so the value
 * any atomic returns has P <= NF - 1: OFFSET = NF is the smallest value
 * with which "count % PTE_FREE_DEFERRED == 0" means "P == 0"; any
 * OFFSET >= NF gives the very same state graph (same state count), and
 * OFFSET = NF - 1 breaks (scripts/model-check.sh checks both).
 *
 * MUST CHANGE TOGETHER WITH THE C CODE (model operation -> C statement):
 *   init, alloc step of Frag  __alloc_for_ptecache(), get_pte_from_cache():
 *                               atomic_set(&page->pt_frag_refcount, PTE_FRAG_NR)
 *                               (stays 1 if PTE_FRAG_NR == 1); fragments are
 *                               handed out in order, no atomic op, never again
 *   plain branch of Frag      pte_fragment_free(table, 0):
 *                               BUG_ON(atomic_read(&page->pt_frag_refcount) <= 0);
 *                               pte_page_release(page,
 *                                   atomic_dec_return(&page->pt_frag_refcount), kernel);
 *   defer branch of Frag      pte_free_defer():
 *                               count = atomic_add_return(PTE_FREE_DEFERRED - 1, ...);
 *                               VM_WARN_ON_ONCE_PAGE(count < PTE_FREE_DEFERRED, page);
 *                               pte_page_release(page, count, 0);
 *   Teardown                  destroy_pagetable_cache(): if (frag) pte_frag_destroy(frag):
 *                               count = handed-out fragments (from the pte_frag pointer);
 *                               count = atomic_sub_return(PTE_FRAG_NR - count, ...);
 *                               pte_page_release(page, count, 0);
 *   inline pte_page_release   pte_page_release(page, count, kernel):
 *                               if (!count) { if (!kernel) pgtable_pte_page_dtor(page);
 *                                             __free_page(page); return; }
 *                               if (count % PTE_FREE_DEFERRED == 0)
 *                                   call_rcu(&page->rcu_head, pte_free_now);
 *   inline free_now           the !count branch: pgtable_pte_page_dtor(); __free_page()
 *   inline call_rcu           call_rcu(&page->rcu_head, pte_free_now)
 *   Callback                  pte_free_now(): pgtable_pte_page_dtor(page); __free_page(page);
 * If any of these statements changes (another threshold, another test, a
 * second atomic op, the callback doing more than destructor and free),
 * change the corresponding step here.
 *
 * Parameters (spin -D...):  NF fragments (1..8), NR readers (0..3),
 * NSEC sections per reader, OFFSET, VARIANT (below), LTL (check the ltl
 * formula "noleak" instead of the end-state assertions).
 *
 * Properties (DESIGN.md section 3 item 4):
 *   P1 exactly one release decision per page: one free at once or one
 *      call_rcu(), never two call_rcu() on page->rcu_head over the page's
 *      whole life, never a free after a call_rcu() or a second free
 *                                                    (call_rcu, free_now)
 *   P2 nothing touches the counter after the release decision, after the
 *      destructor or after the free; __free_page() at most once
 *                                                    (page_alive, free_page)
 *   P3 the destructor and __free_page() run only when no fragment is live,
 *      none can still be handed out, every deferred fragment has had a full
 *      grace period after its pte_free_defer() call (a call_rcu() made after
 *      it whose grace period ended, and no reader inside at the deferral
 *      still inside), and no reader holds a table of the page; mm teardown
 *      and a plain free of a sibling included        (check_quiescent)
 *   P4 the destructor runs exactly once, before __free_page()
 *                                                    (dtor, free_page, end check)
 *   P5 counter sanity: the BUG_ON in pte_fragment_free() and the VM_WARN in
 *      pte_free_defer() never fire, no underflow; when the page is done the
 *      counter holds exactly D * PTE_FREE_DEFERRED (P = 0)
 *                                                    (asserts after atomics, end check)
 *   P6 no leak: when every process has finished, the page is freed, the
 *      destructor ran once and no call_rcu() is outstanding (end check in
 *      init; a callback blocked forever is an invalid end state); with -DLTL
 *      the formula noleak, <> (freed && dtorn == 1), instead (acceptance
 *      cycle if violated)
 *   P7 a page that never meets a deferral is freed at once by its last
 *      plain reference, with no call_rcu(), as in 6.1; a page with any
 *      deferral is freed by the one call_rcu() callback.  With NF = 1 (4K
 *      pages) this is a plain deferral: one call_rcu(), freed after the
 *      grace period                                  (end check)
 */

/* ---- variants: spin -DVARIANT=<name> ---- */
#define REAL       0   /* the protocol as written in the C code */
#define PERFRAG    1   /* (1) every pte_free_defer() calls call_rcu(), and the
                        *     callback drops that fragment's reference with
                        *     pte_fragment_free() (the obvious first attempt,
                        *     mutants/ppc-per-fragment-call-rcu.patch) */
#define EARLYPLAIN 2   /* (2) pte_fragment_free() frees at once when P reaches 0
                        *     although deferrals are pending (count %
                        *     PTE_FREE_DEFERRED == 0 treated like 0) */
#define TDFREE     3   /* (3) pte_frag_destroy() frees at once when P reaches 0
                        *     (count % PTE_FREE_DEFERRED == 0), no grace period */
#define TD61       4   /* (3') pte_frag_destroy() left as in 6.1: frees only
                        *     when the count reaches zero, otherwise nothing */
#define OFFBYONE   5   /* (4) pte_page_release() queues on count %
                        *     PTE_FREE_DEFERRED == 1: the returned value read
                        *     as the value before the operation */
#define NODTOR     6   /* (5) pte_free_now() frees without the destructor */
#define NOGP       7   /* model sanity: the callback does not wait for readers */

#ifndef VARIANT
#define VARIANT REAL
#endif
#ifndef NF
#define NF 2
#endif
#ifndef NR
#define NR 1
#endif
#ifndef NSEC
#define NSEC 1
#endif
#ifndef OFFSET
#define OFFSET 65536           /* PTE_FREE_DEFERRED 0x10000 */
#endif

#if NF < 1 || NF > 8
#error "NF must be 1..8"
#endif
#if NR > 3
#error "NR must be 0..3"
#endif

/* fragment states (ghost) */
#define NOTYET  0   /* not handed out yet (its ref is in the cache's share) */
#define LIVE    1   /* in use, linked: readers may find it */
#define PLAIN   2   /* given to pte_free() */
#define DEFER   3   /* given to pte_free_defer() */
#define NEVER   4   /* cache destroyed before it was handed out */

/* release decision (ghost) */
#define R_NONE  0
#define R_FREE  1   /* count reached 0: destructor and __free_page() at once */
#define R_RCU   2   /* P reached 0 with deferrals pending: call_rcu() */

int  cnt;            /* page->pt_frag_refcount */
bool freed;          /* __free_page() done */
byte dtorn;          /* number of pgtable_pte_page_dtor() calls */
byte ncall;          /* call_rcu() on the page over its whole life */
byte cbq;            /* call_rcu()s queued and not yet invoked */
byte rel;            /* the page's release decision (ghost) */
byte ndef;           /* pte_free_defer() calls made (ghost) */
byte handed;         /* fragments handed out by the mm's cache */
bool torn;           /* pte_frag_destroy() has run (cache gone) */
byte alive;          /* processes not yet finished (incl. callbacks) */

byte st[NF];         /* fragment state */
bool dmode[NF];      /* fragment will be freed with pte_free_defer() */
byte fin[NF];        /* readers inside at its pte_free_defer() and still there */
byte gpd[NF];        /* 0; 1 a call_rcu() after its deferral is pending; 2 its
                      * grace period is over (ghost) */

byte rin;            /* bitmask: readers inside a read-side section */
byte cbwait;         /* readers the queued callback's grace period waits for */
#if NR > 0
byte hold[NR];       /* 0 or f+1: table the reader picked up in this section */
#endif

byte ci;             /* scratch for d_step loops, always 0 outside them */

/* P2: the counter may be touched only before the release decision, while
 * the page is still a page table */
inline page_alive()
{
	assert(rel == R_NONE && !freed && dtorn == 0)
}

/* P3 (used inside a d_step) */
inline check_quiescent()
{
		assert(torn || handed == NF);
		ci = 0;
		do
		:: ci < NF ->
			assert(st[ci] != LIVE);
			assert(st[ci] != DEFER || gpd[ci] == 2);
			assert(st[ci] != DEFER || fin[ci] == 0);
			ci++
		:: else -> break
		od;
#if NR > 0
		ci = 0;
		do
		:: ci < NR -> assert(hold[ci] == 0); ci++
		:: else -> break
		od;
#endif
		ci = 0
}

/* pgtable_pte_page_dtor(page) */
inline dtor()
{
	d_step { check_quiescent(); assert(dtorn == 0 && !freed); dtorn++ }
}

/* __free_page(page) */
inline free_page()
{
	d_step { check_quiescent(); assert(!freed); assert(dtorn == 1); freed = true }
}

/* the "if (!count)" branch of pte_page_release(page, count, 0): the release
 * decision (P1) rides along with the destructor */
inline free_now()
{
	d_step {
		assert(rel == R_NONE);   /* P1: one release decision */
		rel = R_FREE;
		check_quiescent();
		assert(dtorn == 0 && !freed);
		dtorn++                  /* pgtable_pte_page_dtor(page) */
	}
	free_page()                      /* __free_page(page) */
}

/* call_rcu(&page->rcu_head, pte_free_now) */
inline call_rcu()
{
	atomic {
		assert(!freed && dtorn == 0);
		assert(cbq == 0);        /* P1: never call_rcu() on a queued rcu_head */
		assert(ncall == 0);      /* P1: never two call_rcu() on the page */
#if VARIANT != PERFRAG
		assert(rel == R_NONE);   /* P1: one release decision */
		rel = R_RCU;
#endif
		ncall++;
		cbq++;
		cbwait = rin;            /* grace period starts now */
		ci = 0;
		do
		:: ci < NF ->
			if
			:: st[ci] == DEFER && gpd[ci] == 0 -> gpd[ci] = 1
			:: else
			fi;
			ci++
		:: else -> break
		od;
		ci = 0;
		alive++;
		run Callback()
	}
}

/* pte_page_release(page, count, 0); c is the caller's local "count", the
 * value its one atomic op returned */
inline pte_page_release(c)
{
	if
	:: c == 0 -> free_now()                        /* if (!count) { dtor; __free_page } */
#if VARIANT == OFFBYONE
	:: c != 0 && c % OFFSET == 1 -> c = 0; call_rcu()
	:: c != 0 && c % OFFSET != 1 -> c = 0
#else
	:: c != 0 && c % OFFSET == 0 -> c = 0; call_rcu()   /* if (count % PTE_FREE_DEFERRED == 0) */
	:: c % OFFSET != 0 -> c = 0                    /* someone else still holds the page */
#endif
	fi
}

/* pte_free_now(), the one instance of the one call_rcu() */
proctype Callback()
{
#if VARIANT == PERFRAG
	int c;
#endif

	/* RCU: grace period over, rcu_do_batch() dequeues the head and invokes */
	d_step {
#if VARIANT != NOGP
		cbwait == 0 ->
#endif
		cbq--;
		ci = 0;
		do
		:: ci < NF ->
			if
			:: gpd[ci] == 1 -> gpd[ci] = 2
			:: else
			fi;
			ci++
		:: else -> break
		od;
		ci = 0
	}
#if VARIANT == PERFRAG
	/* the first attempt's callback: drop the fragment's reference,
	 * pte_fragment_free((unsigned long *)page_address(page), 0) */
	atomic { page_alive(); assert(cnt > 0) }    /* BUG_ON(atomic_read() <= 0) */
	atomic { page_alive(); cnt--; c = cnt }     /* atomic_dec_return() */
	pte_page_release(c);
#else
#if VARIANT != NODTOR
	dtor();                  /* pgtable_pte_page_dtor(page); */
#endif
	free_page();             /* __free_page(page); */
#endif
	alive--
}

proctype Frag(byte f)
{
	int c;

	/* allocation: handed out in order from the mm's cache, no atomic op */
	if
	:: atomic {
		handed == f && !torn ->
		handed++;
		st[f] = LIVE;
		if
		:: dmode[f] = true
		:: dmode[f] = false
		fi
	   }
	:: atomic { torn -> skip };   /* cache destroyed first: never handed out */
		goto done
	fi;

	/* in use: readers may pick the table up from here until it is unlinked */

	if
	:: !dmode[f] ->
		/* pte_free() -> pte_fragment_free(table, 0) */
		atomic { st[f] = PLAIN; page_alive(); assert(cnt > 0) }   /* BUG_ON(atomic_read() <= 0) */
		atomic { page_alive(); cnt--; c = cnt }                   /* atomic_dec_return() */
#if VARIANT == EARLYPLAIN
		if
		:: c % OFFSET == 0 -> c = 0; free_now()
		:: else -> c = 0
		fi
#else
		pte_page_release(c)
#endif
	:: dmode[f] ->
		/* table unlinked; pte_free_defer():
		 * count = atomic_add_return(PTE_FREE_DEFERRED - 1, &page->pt_frag_refcount); */
#if VARIANT == PERFRAG
		/* the first attempt: count = atomic_read(); VM_WARN_ON_ONCE_PAGE(count <= 0);
		 * call_rcu(&page->rcu_head, pte_free_now), whose callback drops
		 * the fragment's plain reference */
		atomic { page_alive(); st[f] = DEFER; ndef++; fin[f] = rin; assert(cnt > 0) }
		call_rcu()
#else
		atomic {
			page_alive();
			st[f] = DEFER;
			ndef++;
			fin[f] = rin;
			cnt = cnt + (OFFSET - 1);
			c = cnt;
			/* VM_WARN_ON_ONCE_PAGE(count < PTE_FREE_DEFERRED, page): never */
			assert(c >= OFFSET)
		}
		pte_page_release(c)
#endif
	fi;
done:
	alive--
}

/* destroy_pagetable_cache() -> pte_frag_destroy(mm->context.pte_frag) */
proctype Teardown()
{
	int c;

	/* the mm's cache exists once the page has been allocated */
	d_step {
		handed > 0 ->
		torn = true;
		c = handed;          /* count = (pte_frag & ~PAGE_MASK) >> PTE_FRAG_SIZE_SHIFT */
		ci = c;
		do
		:: ci < NF -> st[ci] = NEVER; ci++
		:: else -> break
		od;
		ci = 0
	}
	if
	:: c == NF -> c = 0      /* pte_frag == NULL (all handed out, or PTE_FRAG_NR == 1) */
	:: else ->
		/* count = atomic_sub_return(PTE_FRAG_NR - count, &page->pt_frag_refcount); */
		atomic { page_alive(); cnt = cnt - (NF - c); c = cnt; assert(c >= 0) }
#if VARIANT == TDFREE
		if
		:: c % OFFSET == 0 -> c = 0; free_now()
		:: else -> c = 0
		fi
#elif VARIANT == TD61
		if
		:: c == 0 -> free_now()
		:: else -> c = 0
		fi
#else
		pte_page_release(c)
#endif
	fi;
	alive--
}

#if NR > 0
/* lockless walker: local_irq_disable() / rcu_read_lock() ... */
proctype Reader(byte r)
{
	byte f;
	byte s;

	do
	:: s < NSEC ->
		atomic { rin = rin | (1 << r) }                /* enter read-side section */
		/* walk: find a linked table (one that will be deferred; tables given
		 * to plain pte_free() are the caller's job to keep readers off) */
		atomic {
			f = 0;
			do
			:: f < NF && st[f] == LIVE && dmode[f] -> hold[r] = f + 1; break
			:: f < NF -> f++
			:: else -> break                            /* finds none */
			od;
			f = 0
		}
		/* ... any window ... then read the table once more and leave */
		d_step {
			assert(hold[r] == 0 || (!freed && dtorn == 0));
			hold[r] = 0;
			rin = rin & ~(1 << r);                    /* leave the section */
			cbwait = cbwait & ~(1 << r);
			f = 0;
			do
			:: f < NF -> fin[f] = fin[f] & ~(1 << r); f++
			:: else -> break
			od;
			f = 0;
			s++
		}
	:: else -> break
	od;
	alive--
}
#endif

init {
	byte i;

	atomic {
		/* __alloc_for_ptecache(): a fresh page, all fragments counted */
		cnt = NF;
		i = 0;
		do
		:: i < NF -> alive++; run Frag(i); i++
		:: else -> break
		od;
		alive++;
		run Teardown();
#if NR > 0
		i = 0;
		do
		:: i < NR -> alive++; run Reader(i); i++
		:: else -> break
		od;
#endif
		i = 0
	}
	/* every process done and the queued callback (if any) has run */
	alive == 0;
#ifndef LTL
	/* (alive counts the callback too: none is left queued) */
	assert(freed);           /* P6: no leak */
	assert(dtorn == 1);      /* P4: destructor exactly once */
	/* P7: no deferral: freed at once, as in 6.1; any: the one call_rcu() */
	assert((ndef == 0 && ncall == 0 && rel == R_FREE) ||
	       (ndef > 0 && ncall == 1 && rel == R_RCU));
	assert(cnt == ndef * OFFSET)   /* P5: P = 0, D = ndef left in the counter */
#endif
}

#ifdef LTL
/* P6 (and P4) as a liveness property: every run ends with the page freed and
 * the destructor run (once: more is an assertion violation).  Processes never
 * loop, so a violation shows up as the terminal state stuttering forever. */
ltl noleak { <> (freed && dtorn == 1) }
#endif
