//go:build race

package properties

// raceEnabled: the tests run under the race detector, which slows the
// search twenty-fold; the slow single-verdict tests are left to the
// normal run, and the race run keeps the parallel-search tests.
const raceEnabled = true
