/*
 * Two-phase commit, the twin of the TwoPhase model in
 * explore/twophase_test.go (Lamport's TwoPhase specification): a
 * transaction manager and N resource managers, messages kept in a set
 * that is never emptied. Every action is one d_step, so that SPIN stores
 * exactly the states of the specification: 10,340,352 for N=9.
 *
 *   spin -DN=9 -a twophase.pml && gcc -O2 -DNOREDUCE -o pan pan.c && ./pan
 *
 * testdata/spin/compare.sh runs this and tcpmc's engine side by side.
 */
#ifndef N
#define N 3
#endif

#define WORKING   0
#define PREPARED  1
#define COMMITTED 2
#define ABORTED   3

#define TMINIT      0
#define TMCOMMITTED 1
#define TMABORTED   2

byte rm[N];
byte tm;
bool tmPrepared[N]; /* the managers the TM has heard are prepared */
bool prepMsg[N];    /* the Prepared messages sent */
bool commitMsg;
bool abortMsg;

/* ALLPREPARED: every manager is in tmPrepared. */
#define PREP0 tmPrepared[0]
#if N > 1
#define PREP1 PREP0 && tmPrepared[1]
#else
#define PREP1 PREP0
#endif
#if N > 2
#define PREP2 PREP1 && tmPrepared[2]
#else
#define PREP2 PREP1
#endif
#if N > 3
#define PREP3 PREP2 && tmPrepared[3]
#else
#define PREP3 PREP2
#endif
#if N > 4
#define PREP4 PREP3 && tmPrepared[4]
#else
#define PREP4 PREP3
#endif
#if N > 5
#define PREP5 PREP4 && tmPrepared[5]
#else
#define PREP5 PREP4
#endif
#if N > 6
#define PREP6 PREP5 && tmPrepared[6]
#else
#define PREP6 PREP5
#endif
#if N > 7
#define PREP7 PREP6 && tmPrepared[7]
#else
#define PREP7 PREP6
#endif
#if N > 8
#define PREP8 PREP7 && tmPrepared[8]
#else
#define PREP8 PREP7
#endif
#if N > 9
#define PREP9 PREP8 && tmPrepared[9]
#else
#define PREP9 PREP8
#endif
#define ALLPREPARED (PREP9)

/* The actions of one resource manager r, in the order of the Go model. */
#define RM(r) \
	:: d_step { tm == TMINIT && prepMsg[r] -> tmPrepared[r] = 1 } \
	:: d_step { rm[r] == WORKING -> rm[r] = PREPARED; prepMsg[r] = 1 } \
	:: d_step { rm[r] == WORKING -> rm[r] = ABORTED } \
	:: d_step { commitMsg -> rm[r] = COMMITTED } \
	:: d_step { abortMsg -> rm[r] = ABORTED }

active proctype TwoPhase()
{
	do
	:: d_step { tm == TMINIT && ALLPREPARED -> tm = TMCOMMITTED; commitMsg = 1 }
	:: d_step { tm == TMINIT -> tm = TMABORTED; abortMsg = 1 }
	RM(0)
#if N > 1
	RM(1)
#endif
#if N > 2
	RM(2)
#endif
#if N > 3
	RM(3)
#endif
#if N > 4
	RM(4)
#endif
#if N > 5
	RM(5)
#endif
#if N > 6
	RM(6)
#endif
#if N > 7
	RM(7)
#endif
#if N > 8
	RM(8)
#endif
#if N > 9
	RM(9)
#endif
	od
}
