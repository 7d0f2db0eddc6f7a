// Package explore is a breadth-first model-checking engine for any finite
// transition system. It knows nothing about TCP: a System gives initial
// states, the labelled successors of a state and a compact key per state,
// and the engine finds every reachable state, checks invariants on states
// and action properties on transitions, detects deadlocks, and returns a
// shortest path to the first violation of each property.
//
// The visited set stores 62-bit fingerprints of state keys (xxh3) in a
// Robin Hood hash table that keeps only the bits its index does not imply,
// six bytes per slot; Options.Exact stores whole keys instead. Parent links
// are kept per level as varint deltas, about two bytes per state, and a
// path is rebuilt by replaying successor indices from an initial state.
//
// Each level is expanded by several workers against a visited set that is
// only read while they run; new states are then inserted by one goroutine
// in a fixed order. State counts, verdicts and counterexamples are
// therefore the same for any number of workers.
//
// BuildGraph runs the same search keeping every edge: a visited set that
// maps each fingerprint to its state's index (10 bytes a slot), and the
// graph as delta-coded edge runs, about 14 bytes a state on the TCP
// model. CheckLiveness analyses that graph for fair lassos; WalkGraph
// replays it state by state for drawings.
//
// A search stops cleanly on a state, depth, time or memory limit, or when
// its context is cancelled, and returns what it found so far. The memory
// of the visited set, the frontier and the parent links is accounted
// before each grows (a table before it doubles), so that the limit holds
// instead of the process dying on the allocation that passes it;
// DefaultMaxMemory derives a limit from what the process may really use.
package explore
