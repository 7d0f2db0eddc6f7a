package explore

import (
	"encoding/binary"
	"math"
)

// fpSet is the visited set used by default: a set of state fingerprints in
// an open-addressing table with Robin Hood linear probing and quotienting.
//
// A fingerprint is reduced to fpBits bits. The top q bits pick the home slot
// (the table has 2^q slots); only the remaining fpBits-q bits are stored, in
// a 6-byte slot together with the entry's distance from its home. Storing
// the distance lets the table be resized without the original fingerprint,
// and Robin Hood ordering keeps probe sequences short at loads up to 90%, so
// a state costs 6/load bytes: 6.7 B when the table is full, 13.3 B just
// after it doubles.
//
// Lookups never write, so any number of goroutines may call contains while
// no insert is running; the engine inserts from one goroutine between
// parallel phases.
type fpSet struct {
	slots  []byte // 6 bytes per slot, plus 2 bytes of padding for 8-byte reads
	q      uint   // log2 of the number of slots
	fpBits uint   // fingerprint bits kept: the initial q plus remBits
	n      int    // entries, including those in overflow
	limit  int    // grow when n reaches limit
	// overflow holds fingerprints that could not be placed near their home
	// although the table was lightly loaded: only badly clustered input
	// (not hash output) gets there, and growing would not help it.
	overflow map[uint64]struct{}
	budget   *budget // accounts the table before it doubles
}

const (
	slotBytes = 6
	distBits  = 6
	distMask  = 1<<distBits - 1 // stored distance is dist+1; 0 marks an empty slot
	maxDist   = distMask - 1
	remBits   = 48 - distBits // bits of the fingerprint stored in a slot
	slotMask  = 1<<48 - 1

	maxLoad = 0.9
)

// newFPSet makes a set of 2^q0 slots. q0 fixes how many fingerprint bits
// are kept: the home index grows with the table but the stored remainder
// shrinks by the same bit, so fingerprints are always q0+remBits long.
func newFPSet(q0 uint, b *budget) *fpSet {
	t := &fpSet{fpBits: q0 + remBits, budget: b}
	if b != nil {
		b.used.Add(tableBytes(q0)) // the first table is allocated whatever the limit
	}
	t.alloc(q0)
	return t
}

func tableBytes(q uint) uint64 { return (1<<q)*slotBytes + 2 }

func (t *fpSet) alloc(q uint) {
	t.q = q
	t.slots = make([]byte, tableBytes(q))
	t.limit = int(maxLoad * float64(uint64(1)<<q))
}

// reduce maps a 64-bit hash to the fingerprint the set stores.
func (t *fpSet) reduce(h uint64) uint64 { return h >> (64 - t.fpBits) }

func (t *fpSet) split(f uint64) (home, rem uint64) {
	shift := t.fpBits - t.q
	return f >> shift, f & (1<<shift - 1)
}

func (t *fpSet) load(i uint64) uint64 {
	return binary.LittleEndian.Uint64(t.slots[i*slotBytes:]) & slotMask
}

func (t *fpSet) store(i, v uint64) {
	p := t.slots[i*slotBytes:]
	old := binary.LittleEndian.Uint64(p)
	binary.LittleEndian.PutUint64(p, old&^slotMask|v)
}

// contains reports whether the fingerprint of hash h is in the set.
func (t *fpSet) contains(h uint64) bool {
	home, rem := t.split(t.reduce(h))
	mask := uint64(1)<<t.q - 1
	i := home
	for d := uint64(0); d <= maxDist; d++ {
		s := t.load(i)
		if s == 0 || s&distMask-1 < d {
			break // Robin Hood: our entry would have displaced this one
		}
		if s&distMask-1 == d && s>>distBits == rem {
			return true
		}
		i = (i + 1) & mask
	}
	if len(t.overflow) == 0 {
		return false
	}
	_, ok := t.overflow[t.reduce(h)]
	return ok
}

// insert adds the fingerprint of hash h and reports whether it was new;
// ok is false when it was not added because the table is full and its
// budget refuses the doubled table.
func (t *fpSet) insert(h uint64) (added, ok bool) {
	if t.contains(h) {
		return false, true
	}
	if t.n >= t.limit && !t.grow() {
		return false, false
	}
	t.placeGrowing(t.reduce(h))
	t.n++
	return true, true
}

// placeGrowing places f, growing the table as long as some entry cannot be
// placed close enough to its home and the table is at least half full.
func (t *fpSet) placeGrowing(f uint64) {
	for {
		left, ok := t.place(f)
		if ok {
			return
		}
		if t.n < t.limit/2 || !t.grow() {
			if t.budget != nil {
				t.budget.used.Add(overflowEntryBytes)
			}
			if t.overflow == nil {
				t.overflow = map[uint64]struct{}{}
			}
			t.overflow[left] = struct{}{}
			return
		}
		f = left
	}
}

// place puts an absent fingerprint into the table. Robin Hood insertion may
// displace other entries; if the entry being carried would end up further
// than maxDist from its home, place stops and returns that entry (every
// other entry is then correctly in the table) so the caller can grow the
// table and place it there.
func (t *fpSet) place(f uint64) (left uint64, ok bool) {
	home, rem := t.split(f)
	mask := uint64(1)<<t.q - 1
	shift := t.fpBits - t.q
	i, d := home, uint64(0)
	for {
		if d > maxDist {
			return ((i-d)&mask)<<shift | rem, false
		}
		s := t.load(i)
		if s == 0 {
			t.store(i, rem<<distBits|(d+1))
			return 0, true
		}
		if sd := s&distMask - 1; sd < d {
			// Take the slot from the richer entry and carry that one on.
			t.store(i, rem<<distBits|(d+1))
			rem, d = s>>distBits, sd
		}
		i = (i + 1) & mask
		d++
	}
}

// grow doubles the table, or reports false when the budget refuses the
// new table (the old one is still allocated while the entries move).
func (t *fpSet) grow() bool {
	old, oldQ := t.slots, t.q // old becomes garbage once rehashed
	if !t.budget.reserve(tableBytes(oldQ + 1)) {
		return false
	}
	oldMask := uint64(1)<<oldQ - 1
	t.alloc(oldQ + 1)
	n := t.n
	var left []uint64
	for i := uint64(0); i <= oldMask; i++ {
		s := binary.LittleEndian.Uint64(old[i*slotBytes:]) & slotMask
		if s == 0 {
			continue
		}
		home := (i - (s&distMask - 1)) & oldMask
		if l, ok := t.place(home<<(t.fpBits-oldQ) | s>>distBits); !ok {
			left = append(left, l) // distances halve when the table doubles: in practice never
		}
	}
	for _, f := range left {
		t.placeGrowing(f)
	}
	t.n = n
	t.budget.free(uint64(len(old)))
	return true
}

func (t *fpSet) len() int { return t.n }

func (t *fpSet) release() { t.slots, t.overflow = nil, nil }

// overflowEntryBytes estimates what an entry of the overflow map costs.
const overflowEntryBytes = 40

// bytes is the memory the table holds (the overflow map, normally empty,
// at an estimated overflowEntryBytes an entry).
func (t *fpSet) bytes() uint64 {
	return uint64(len(t.slots)) + overflowEntryBytes*uint64(len(t.overflow))
}

// partitions splits the visited set by the top bits of the hash, so that
// new states can be inserted by several workers at once, each owning some
// partitions. Each partition keeps the hash bits below those.
const (
	partitionBits = 6
	partitions    = 1 << partitionBits
	// partitionSlotsLog2 is each partition's initial size: 6 MiB for the
	// whole set, and fingerprints of 6+14+42 = 62 bits.
	partitionSlotsLog2 = 14
	fpBits             = partitionBits + partitionSlotsLog2 + remBits
)

func partitionOf(h uint64) int { return int(h >> (64 - partitionBits)) }

// partitionedFPs is the default visited set.
type partitionedFPs [partitions]*fpSet

func newPartitionedFPs(b *budget) *partitionedFPs {
	var p partitionedFPs
	for i := range p {
		p[i] = newFPSet(partitionSlotsLog2, b)
	}
	return &p
}

func (p *partitionedFPs) contains(h uint64, _ []byte) bool {
	return p[partitionOf(h)].contains(h << partitionBits)
}

func (p *partitionedFPs) insert(h uint64, _ string) (added, ok bool) {
	return p[partitionOf(h)].insert(h << partitionBits)
}

func (p *partitionedFPs) bytes() uint64 {
	var n uint64
	for _, t := range p {
		n += t.bytes()
	}
	return n
}

func (p *partitionedFPs) release() {
	for _, t := range p {
		t.release()
	}
}

// collisionProbability estimates the chance that two of the n states
// explored share a fingerprint, so that one of them was wrongly taken as
// already visited (the usual birthday bound, n^2 / 2^(bits+1)).
func collisionProbability(n uint64) float64 {
	p := float64(n) * float64(n) / math.Ldexp(1, fpBits+1)
	return math.Min(p, 1)
}
