package properties

import "testing"

// skipUnderRace skips a test that is slow and adds nothing under the race
// detector: it checks verdicts, which the normal run does, not the
// parallel search, which TestWorkerCountIndependence and
// TestRFC9293HoldsUnderTheDefaultFaults exercise under it.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("slow under the race detector; run without -race")
	}
}
