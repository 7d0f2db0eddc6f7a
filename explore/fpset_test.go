package explore

import (
	"math/rand/v2"
	"testing"
)

func TestFPSetAgreesWithAMap(t *testing.T) {
	set := newFPSet(16, nil)
	ref := map[uint64]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	// Enough entries to double the table twice, with many repeats.
	for i := 0; i < 4_000_000; i++ {
		h := r.Uint64()
		if i%3 == 0 && i > 0 {
			h = uint64(i) * 0x9e3779b97f4a7c15 // revisit earlier values
		}
		f := set.reduce(h)
		if got, _ := set.insert(h); got != !ref[f] {
			want := !ref[f]
			t.Fatalf("insert %d: got new=%v, want %v", i, got, want)
		}
		ref[f] = true
	}
	if set.len() != len(ref) {
		t.Fatalf("len %d, want %d", set.len(), len(ref))
	}
	for f := range ref {
		if !set.contains(f << (64 - set.fpBits)) {
			t.Fatalf("lost fingerprint %x", f)
		}
	}
	for i := 0; i < 100000; i++ {
		h := r.Uint64()
		if set.contains(h) != ref[set.reduce(h)] {
			t.Fatalf("contains disagrees for %x", h)
		}
	}
	if q := set.q; q <= 16 {
		t.Fatalf("table never grew (q=%d)", q)
	}
}

func TestFPSetDenseHomes(t *testing.T) {
	// Fingerprints sharing their top bits all want the same few home
	// slots: distances exceed the 6-bit limit and force early growth.
	set := newFPSet(16, nil)
	for i := uint64(0); i < 5000; i++ {
		h := i << 8 // same home for 2^(64-8-20) consecutive values
		if added, _ := set.insert(h); !added {
			t.Fatalf("value %d reported as present", i)
		}
	}
	for i := uint64(0); i < 5000; i++ {
		if !set.contains(i << 8) {
			t.Fatalf("value %d lost", i)
		}
	}
	if set.contains(5000 << 8) {
		t.Fatal("absent value reported present")
	}
}

// TestFPSetRefusesToDoubleBeyondItsBudget: a table whose doubled size the
// budget cannot hold refuses the entry that would double it, keeps every
// entry it has, and stays within the budget.
func TestFPSetRefusesToDoubleBeyondItsBudget(t *testing.T) {
	b := &budget{limit: tableBytes(11) + tableBytes(12) - 1}
	set := newFPSet(10, b)
	r := rand.New(rand.NewPCG(7, 8))
	var kept []uint64
	for {
		h := r.Uint64()
		added, ok := set.insert(h)
		if !ok {
			break
		}
		if added {
			kept = append(kept, h)
		}
		if len(kept) > 1<<13 {
			t.Fatalf("%d entries in a table the budget cannot double past 2^11 slots", len(kept))
		}
	}
	if set.q != 11 {
		t.Errorf("table has 2^%d slots, want 2^11 (the last doubling the budget allows)", set.q)
	}
	if got, want := b.used.Load(), tableBytes(11); got != want {
		t.Errorf("budget holds %d bytes after the refusal, want the table's %d", got, want)
	}
	if !b.refused.Load() {
		t.Error("the budget does not record that it refused")
	}
	for _, h := range kept {
		if !set.contains(h) {
			t.Fatalf("entry %x lost", h)
		}
	}
	if set.len() != len(kept) {
		t.Fatalf("len %d, want %d", set.len(), len(kept))
	}
}

func TestCollisionProbability(t *testing.T) {
	if p := collisionProbability(1_000_000); p <= 0 || p > 1e-6 {
		t.Fatalf("1M states: %g", p)
	}
	if p := collisionProbability(1 << 40); p != 1 {
		t.Fatalf("2^40 states: %g, want capped at 1", p)
	}
}

func BenchmarkFPSetInsert(b *testing.B) {
	set := newPartitionedFPs(nil)
	r := rand.New(rand.NewPCG(3, 4))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		set.insert(r.Uint64(), "")
	}
	b.ReportMetric(float64(set.bytes())/float64(b.N), "B/entry")
}

// BenchmarkFPSetLookupLarge looks up random present and absent
// fingerprints in a table of 8 million entries, the size of a large check.
func BenchmarkFPSetLookupLarge(b *testing.B) {
	set := newPartitionedFPs(nil)
	defer set.release()
	r := rand.New(rand.NewPCG(5, 6))
	keys := make([]uint64, 8<<20)
	for i := range keys {
		keys[i] = r.Uint64()
		set.insert(keys[i], "")
	}
	b.ResetTimer()
	hits := 0
	for i := 0; i < b.N; i++ {
		h := keys[(i*7919)%len(keys)]
		if i%3 == 0 {
			h = r.Uint64()
		}
		if set.contains(h, nil) {
			hits++
		}
	}
	b.ReportMetric(float64(set.bytes())/float64(len(keys)), "B/entry")
}
