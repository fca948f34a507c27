/*
 * pte_free_defer.pml - SPIN model of the powerpc PTE_FREE_DEFERRED protocol
 * (arch/powerpc/mm/pgtable-frag.c, Linux 6.1 + the pte_free_defer() series,
 * DESIGN.md section 3).
 *
 * One page of NF page-table fragments sharing one page->pt_frag_refcount and
 * one page->rcu_head.  Processes:
 *   Frag(f)    fragment f: allocate (handed out in order from the mm's cache)
 *              -> live (visible to lockless readers) -> pte_free() (plain,
 *              pte_fragment_free(table, 0)) or pte_free_defer().
 *   Callback   one instance per call_rcu(&page->rcu_head, pte_free_now):
 *              waits for its grace period, then runs pte_free_now(), which may
 *              call_rcu() the same head again (a new Callback instance).
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
 * because P1 (below) is asserted at every call_rcu(): a second queued
 * callback is already an error.  Likewise each pte_free_defer() snapshots
 * rin into fin[f] (ghost), cleared the same way, to check P3 independently
 * of the callback machinery.  Nothing else is assumed of RCU: callbacks run
 * in any order, concurrently with each other, and a running callback is NOT
 * treated as a reader (a superset of the real behaviour).  The memory model
 * is sequentially consistent (all atomics used here are fully ordered except
 * atomic_sub(), which is followed by call_rcu()).
 *
 * Atomicity follows the C code: every atomic_*() on pt_frag_refcount is one
 * atomic step; the tests of the returned value, the division, the BUG_ON
 * read, the destructor and __free_page() are separate steps.  Ghost
 * bookkeeping (fragment states, grace-period snapshots) rides along in the
 * step of the C statement it belongs to.
 *
 * Offset: PTE_FREE_DEFERRED is NOT scaled down by default: OFFSET = 0x10000
 * as in the C code (Promela int is 32 bit; the counter stays below
 * (NF + 1) * OFFSET).  -DOFFSET=<n> scales it down.  The protocol needs the
 * plain part of the counter (at most NF: the other fragments' references
 * plus the one the callback has just turned back) to stay below OFFSET, so
 * OFFSET = NF + 1 is the smallest value that works; any OFFSET > NF gives
 * the very same state graph (same state count), and OFFSET = NF breaks
 * (scripts/model-check.sh checks both).
 *
 * MUST CHANGE TOGETHER WITH THE C CODE (model operation -> C statement):
 *   init, alloc step of Frag  __alloc_for_ptecache(), get_pte_from_cache():
 *                               atomic_set(&page->pt_frag_refcount, PTE_FRAG_NR)
 *                               (stays 1 if PTE_FRAG_NR == 1); fragments are
 *                               handed out in order, no atomic op, never again
 *   plain branch of Frag,     pte_fragment_free(table, kernel):
 *   inline frag_free
 *                               BUG_ON(atomic_read(&page->pt_frag_refcount) <= 0);
 *                               if (atomic_dec_and_test(&page->pt_frag_refcount)) {
 *                                   if (!kernel) pgtable_pte_page_dtor(page);
 *                                   __free_page(page); }
 *   defer step of Frag        pte_free_defer():
 *                               count = atomic_add_return(PTE_FREE_DEFERRED - 1, ...);
 *                               VM_WARN_ON_ONCE_PAGE(count < PTE_FREE_DEFERRED, page);
 *                               if (count < 2 * PTE_FREE_DEFERRED) call_rcu(...);
 *   Callback                  pte_free_now():
 *                               count = atomic_sub_return(PTE_FREE_DEFERRED - 1, ...);
 *                               if (count < PTE_FREE_DEFERRED) {
 *                                   pte_fragment_free(page_address(page), 0); return; }
 *                               late = count / PTE_FREE_DEFERRED;
 *                               atomic_sub((late - 1) * PTE_FREE_DEFERRED + 1, ...);
 *                               call_rcu(&page->rcu_head, pte_free_now);
 *   Teardown                  destroy_pagetable_cache(): if (frag) pte_frag_destroy(frag):
 *                               count = handed-out fragments;
 *                               if (atomic_sub_and_test(PTE_FRAG_NR - count, ...)) {
 *                                   pgtable_pte_page_dtor(page); __free_page(page); }
 *   call_rcu()                call_rcu(&page->rcu_head, pte_free_now)
 * If any of these statements changes (another threshold, another fold, the
 * callback taking a different path), change the corresponding step here.
 *
 * Parameters (spin -D...):  NF fragments (1..8), NR readers (0..3),
 * NSEC sections per reader, OFFSET, VARIANT (below), LTL (check the ltl
 * formula "noleak" instead of the end-state assertions).
 *
 * Properties:
 *   P1 never two outstanding call_rcu() on page->rcu_head   (assert in call_rcu)
 *   P2 no use of the page after its count hit zero / after free, no double
 *      free                                                  (page_alive, free_page)
 *   P3 the destructor and __free_page() run only when no fragment is live,
 *      none can still be handed out, every deferred fragment has had a full
 *      grace period after its pte_free_defer() call, and no reader holds a
 *      table of the page                                     (check_quiescent)
 *   P4 destructor exactly once                               (dtor, end check)
 *   P5 no counter underflow; the callback always finds the deferral it was
 *      queued for; the VM_WARN in pte_free_defer() never fires
 *                                                            (asserts after atomics)
 *   P6 no leak: when every process has finished, the page is freed, the
 *      destructor ran once and no call_rcu() is outstanding (end check in init;
 *      a callback blocked forever is an invalid end state); with -DLTL the
 *      formula noleak, <> (freed && dtorn == 1), instead (acceptance cycle
 *      if violated).
 */

/* ---- variants: spin -DVARIANT=<name> ---- */
#define REAL       0   /* the protocol as written in the C code */
#define PERFRAG    1   /* (a) every pte_free_defer() queues the rcu_head */
#define IGNORELATE 2   /* (b) callback ignores late deferrals: drops only its own */
#define LE         3   /* (c) "count <= 2 * PTE_FREE_DEFERRED" in pte_free_defer() */
#define DROPLATE   4   /* (b') callback drops late deferrals with its own, no requeue */
#define NOGP       5   /* call_rcu() callback runs without waiting for readers */
#define NODTOR     6   /* callback frees with pte_fragment_free(.., 1): no dtor */

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

int  cnt;            /* page->pt_frag_refcount */
bool freed;          /* __free_page() done */
byte dtorn;          /* number of pgtable_pte_page_dtor() calls */
byte cbq;            /* call_rcu()s queued and not yet invoked */
byte handed;         /* fragments handed out by the mm's cache */
bool torn;           /* pte_frag_destroy() has run (cache gone) */
byte alive;          /* processes not yet finished (incl. callbacks) */

byte st[NF];         /* fragment state */
bool dmode[NF];      /* fragment will be freed with pte_free_defer() */
byte fin[NF];        /* readers inside at its pte_free_defer() and still there */

byte rin;            /* bitmask: readers inside a read-side section */
byte cbwait;         /* readers the queued callback's grace period waits for */
#if NR > 0
byte hold[NR];       /* 0 or f+1: table the reader picked up in this section */
#endif

byte ci;             /* scratch for d_step loops, always 0 outside them */

/* P2: the page must still be a page table: not freed, no dtor yet */
inline page_alive()
{
	assert(!freed && dtorn == 0)
}

/* P3 (used inside a d_step) */
inline check_quiescent()
{
		assert(torn || handed == NF);
		ci = 0;
		do
		:: ci < NF ->
			assert(st[ci] != LIVE);
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
	d_step { check_quiescent(); assert(!freed && dtorn == 0); dtorn++ }
}

/* __free_page(page) */
inline free_page()
{
	d_step { check_quiescent(); assert(!freed); assert(cnt == 0); freed = true }
}

/* call_rcu(&page->rcu_head, pte_free_now) */
inline call_rcu()
{
	atomic {
		assert(!freed);
		assert(cbq == 0);        /* P1: never two outstanding call_rcu() */
		cbq++;
		alive++;
		cbwait = rin;            /* grace period starts now */
		run Callback()
	}
}

/* pte_fragment_free(table, kern) from the callback (uses locals z) */
inline frag_free(kern)
{
	atomic { page_alive(); assert(cnt > 0) }            /* BUG_ON(atomic_read() <= 0) */
	atomic { page_alive(); cnt--; z = (cnt == 0) }      /* atomic_dec_and_test() */
	if
	:: z ->
		z = false;
		if
		:: !(kern) -> dtor()                          /* pgtable_pte_page_dtor() */
		:: else
		fi;
		free_page()                                   /* __free_page() */
	:: else
	fi
}

/* pte_free_now(), one instance per call_rcu() */
proctype Callback()
{
	int c;
	int late;
	bool z;

	/* RCU: grace period over, rcu_do_batch() dequeues the head and invokes */
#if VARIANT == NOGP
	atomic { cbq-- }
#else
	atomic { cbwait == 0 -> cbq-- }
#endif

	/* count = atomic_sub_return(PTE_FREE_DEFERRED - 1, &page->pt_frag_refcount); */
	atomic { page_alive(); cnt = cnt - (OFFSET - 1); c = cnt; assert(c > 0) }

#if VARIANT == IGNORELATE
	c = 0;
	frag_free(0);
#elif VARIANT == DROPLATE
	if
	:: c < OFFSET -> c = 0
	:: else ->
		late = c / OFFSET;
		atomic { page_alive(); cnt = cnt - late * OFFSET; assert(cnt > 0); late = 0; c = 0 }
	fi;
	frag_free(0);
#else
	if
	:: c < OFFSET ->                                /* if (count < PTE_FREE_DEFERRED) */
		c = 0;
#if VARIANT == NODTOR
		frag_free(1)
#else
		frag_free(0)                                /* pte_fragment_free(.., 0); return; */
#endif
	:: else ->
		late = c / OFFSET;                          /* late = count / PTE_FREE_DEFERRED; */
		/* atomic_sub((late - 1) * PTE_FREE_DEFERRED + 1, &page->pt_frag_refcount); */
		atomic { page_alive(); cnt = cnt - ((late - 1) * OFFSET + 1); assert(cnt > 0); late = 0; c = 0 }
		call_rcu()                                  /* call_rcu(&page->rcu_head, pte_free_now); */
	fi;
#endif
	alive--
}

proctype Frag(byte f)
{
	int c;
	bool z;

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
		atomic { page_alive(); cnt--; z = (cnt == 0) }            /* atomic_dec_and_test() */
		if
		:: z -> z = false; dtor(); free_page()
		:: else
		fi
	:: dmode[f] ->
		/* table unlinked; pte_free_defer():
		 * count = atomic_add_return(PTE_FREE_DEFERRED - 1, &page->pt_frag_refcount); */
		atomic {
			page_alive();
			st[f] = DEFER;
			fin[f] = rin;
			cnt = cnt + (OFFSET - 1);
			c = cnt;
			/* VM_WARN_ON_ONCE_PAGE(count < PTE_FREE_DEFERRED, page): never */
			assert(c >= OFFSET)
		}
		if
#if VARIANT == PERFRAG
		:: true -> c = 0; call_rcu()
#elif VARIANT == LE
		:: c <= 2 * OFFSET -> c = 0; call_rcu()
		:: else -> c = 0
#else
		:: c < 2 * OFFSET -> c = 0; call_rcu()     /* if (count < 2 * PTE_FREE_DEFERRED) */
		:: else -> c = 0
#endif
		fi
	fi;
done:
	alive--
}

/* destroy_pagetable_cache() -> pte_frag_destroy(mm->context.pte_frag) */
proctype Teardown()
{
	byte c;
	bool z;

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
		/* if (atomic_sub_and_test(PTE_FRAG_NR - count, &page->pt_frag_refcount)) */
		atomic { page_alive(); cnt = cnt - (NF - c); z = (cnt == 0); assert(cnt >= 0); c = 0 }
		if
		:: z -> z = false; dtor(); free_page()
		:: else
		fi
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
	/* every process done and every queued callback has run */
	alive == 0;
#ifndef LTL
	assert(freed);           /* P6: no leak */
	assert(dtorn == 1);      /* P4: destructor exactly once */
	assert(cbq == 0);
	assert(cnt == 0)
#endif
}

#ifdef LTL
/* P6 (and P4) as a liveness property: every run ends with the page freed and
 * the destructor run (once: more is an assertion violation).  Processes never
 * loop, so a violation shows up as the terminal state stuttering forever. */
ltl noleak { <> (freed && dtorn == 1) }
#endif
