package explore

import (
	"math/rand/v2"
	"testing"
)

// TestFPIndexAgreesWithAMap inserts enough fingerprints to double the
// table twice, updates some values, and checks every value against a map.
func TestFPIndexAgreesWithAMap(t *testing.T) {
	idx := newFPIndex(14, nil)
	ref := map[uint64]uint32{}
	r := rand.New(rand.NewPCG(3, 4))
	var keys []uint64
	for i := 0; i < 60_000; i++ {
		h := r.Uint64()
		if i%4 == 0 && len(keys) > 0 {
			h = keys[r.IntN(len(keys))] // an earlier one again
		}
		f := idx.reduce(h)
		prev, added, ok := idx.insert(h, uint32(i))
		want, seen := ref[f]
		switch {
		case !ok:
			t.Fatalf("insert %d refused without a budget", i)
		case added == seen:
			t.Fatalf("insert %d: added=%v, seen before=%v", i, added, seen)
		case seen && prev != want:
			t.Fatalf("insert %d: previous value %d, want %d", i, prev, want)
		}
		if !seen {
			ref[f] = uint32(i)
			keys = append(keys, h)
		}
		if i%7 == 0 {
			k := keys[r.IntN(len(keys))]
			idx.update(k, uint32(i)+1<<30)
			ref[idx.reduce(k)] = uint32(i) + 1<<30
		}
	}
	if idx.q < 16 {
		t.Fatalf("table never doubled twice (q=%d)", idx.q)
	}
	for _, k := range keys {
		if v, ok := idx.lookup(k); !ok || v != ref[idx.reduce(k)] {
			t.Fatalf("lookup %x: %d %v, want %d", k, v, ok, ref[idx.reduce(k)])
		}
	}
	for i := 0; i < 10000; i++ {
		h := r.Uint64()
		_, ok := idx.lookup(h)
		if _, want := ref[idx.reduce(h)]; ok != want {
			t.Fatalf("lookup of %x says %v", h, ok)
		}
	}
}

// TestFPIndexRefusesToDoubleBeyondItsBudget: like fpSet, the index
// refuses the entry that would double it past its budget.
func TestFPIndexRefusesToDoubleBeyondItsBudget(t *testing.T) {
	b := &budget{limit: indexTableBytes(10) + indexTableBytes(11) - 1}
	idx := newFPIndex(10, b)
	r := rand.New(rand.NewPCG(5, 6))
	n := 0
	for {
		_, added, ok := idx.insert(r.Uint64(), uint32(n))
		if !ok {
			break
		}
		if added {
			n++
		}
	}
	if idx.q != 10 || n != idx.limit || b.used.Load() > b.limit {
		t.Fatalf("q=%d, %d entries (limit %d), %d bytes used of %d", idx.q, n, idx.limit, b.used.Load(), b.limit)
	}
}
