package explore

import (
	"encoding/binary"
	"math"
)

// fpIndex is the visited set of a graph search: fpSet's quotiented Robin
// Hood table with a 32-bit state index beside each fingerprint, so that
// every successor, new or not, is resolved to the index of its state. A
// slot takes 10 bytes (the fingerprint's 6 and the index's 4, read
// together from one cache line), 11.1 to 22.2 bytes a state.
//
// As with fpSet, lookups never write: any number of goroutines may look
// up while nobody inserts.
type fpIndex struct {
	slots    []byte
	q        uint
	fpBits   uint
	n        int
	limit    int
	overflow map[uint64]uint32
	budget   *budget
}

const indexSlotBytes = slotBytes + 4

func newFPIndex(q0 uint, b *budget) *fpIndex {
	t := &fpIndex{fpBits: q0 + remBits, budget: b}
	if b != nil {
		b.used.Add(indexTableBytes(q0))
	}
	t.alloc(q0)
	return t
}

// indexTableBytes has 6 bytes of padding so that the last slot's
// fingerprint can be read with an 8-byte load.
func indexTableBytes(q uint) uint64 { return (1<<q)*indexSlotBytes + 6 }

func (t *fpIndex) alloc(q uint) {
	t.q = q
	t.slots = make([]byte, indexTableBytes(q))
	t.limit = int(maxLoad * float64(uint64(1)<<q))
}

func (t *fpIndex) reduce(h uint64) uint64 { return h >> (64 - t.fpBits) }

func (t *fpIndex) split(f uint64) (home, rem uint64) {
	shift := t.fpBits - t.q
	return f >> shift, f & (1<<shift - 1)
}

func (t *fpIndex) load(i uint64) (fp uint64, val uint32) {
	p := t.slots[i*indexSlotBytes:]
	return binary.LittleEndian.Uint64(p) & slotMask, binary.LittleEndian.Uint32(p[slotBytes:])
}

func (t *fpIndex) store(i, fp uint64, val uint32) {
	p := t.slots[i*indexSlotBytes:]
	binary.LittleEndian.PutUint16(p[4:], uint16(fp>>32))
	binary.LittleEndian.PutUint32(p, uint32(fp))
	binary.LittleEndian.PutUint32(p[slotBytes:], val)
}

// find returns the slot holding the fingerprint of h, or -1 (and whether
// the overflow map may hold it).
func (t *fpIndex) find(h uint64) int64 {
	home, rem := t.split(t.reduce(h))
	mask := uint64(1)<<t.q - 1
	i := home
	for d := uint64(0); d <= maxDist; d++ {
		s, _ := t.load(i)
		if s == 0 || s&distMask-1 < d {
			break
		}
		if s&distMask-1 == d && s>>distBits == rem {
			return int64(i)
		}
		i = (i + 1) & mask
	}
	return -1
}

// lookup returns the value stored with the fingerprint of h.
func (t *fpIndex) lookup(h uint64) (uint32, bool) {
	if i := t.find(h); i >= 0 {
		_, v := t.load(uint64(i))
		return v, true
	}
	if len(t.overflow) == 0 {
		return 0, false
	}
	v, ok := t.overflow[t.reduce(h)]
	return v, ok
}

// insert adds the fingerprint of h with val, or returns the value already
// stored with it; ok is false when the budget refused the doubled table.
func (t *fpIndex) insert(h uint64, val uint32) (prev uint32, added, ok bool) {
	if v, found := t.lookup(h); found {
		return v, false, true
	}
	if t.n >= t.limit && !t.grow() {
		return 0, false, false
	}
	t.placeGrowing(t.reduce(h), val)
	t.n++
	return val, true, true
}

// update replaces the value stored with the fingerprint of h, which must
// be in the set.
func (t *fpIndex) update(h uint64, val uint32) {
	if i := t.find(h); i >= 0 {
		p := t.slots[uint64(i)*indexSlotBytes:]
		binary.LittleEndian.PutUint32(p[slotBytes:], val)
		return
	}
	f := t.reduce(h)
	if _, ok := t.overflow[f]; !ok {
		panic("explore: update of a fingerprint not in the index")
	}
	t.overflow[f] = val
}

func (t *fpIndex) placeGrowing(f uint64, val uint32) {
	for {
		left, leftVal, ok := t.place(f, val)
		if ok {
			return
		}
		if t.n < t.limit/2 || !t.grow() {
			if t.budget != nil {
				t.budget.used.Add(overflowEntryBytes)
			}
			if t.overflow == nil {
				t.overflow = map[uint64]uint32{}
			}
			t.overflow[left] = leftVal
			return
		}
		f, val = left, leftVal
	}
}

// place is fpSet.place carrying each entry's value with it.
func (t *fpIndex) place(f uint64, val uint32) (left uint64, leftVal uint32, ok bool) {
	home, rem := t.split(f)
	mask := uint64(1)<<t.q - 1
	shift := t.fpBits - t.q
	i, d := home, uint64(0)
	for {
		if d > maxDist {
			return ((i-d)&mask)<<shift | rem, val, false
		}
		s, v := t.load(i)
		if s == 0 {
			t.store(i, rem<<distBits|(d+1), val)
			return 0, 0, true
		}
		if sd := s&distMask - 1; sd < d {
			t.store(i, rem<<distBits|(d+1), val)
			rem, d, val = s>>distBits, sd, v
		}
		i = (i + 1) & mask
		d++
	}
}

func (t *fpIndex) grow() bool {
	old, oldQ := t.slots, t.q
	if !t.budget.reserve(indexTableBytes(oldQ + 1)) {
		return false
	}
	oldMask := uint64(1)<<oldQ - 1
	t.alloc(oldQ + 1)
	n := t.n
	type entry struct {
		f   uint64
		val uint32
	}
	var left []entry
	for i := uint64(0); i <= oldMask; i++ {
		p := old[i*indexSlotBytes:]
		s := binary.LittleEndian.Uint64(p) & slotMask
		if s == 0 {
			continue
		}
		home := (i - (s&distMask - 1)) & oldMask
		if l, lv, ok := t.place(home<<(t.fpBits-oldQ)|s>>distBits, binary.LittleEndian.Uint32(p[slotBytes:])); !ok {
			left = append(left, entry{l, lv})
		}
	}
	for _, e := range left {
		t.placeGrowing(e.f, e.val)
	}
	t.n = n
	t.budget.free(uint64(len(old)))
	return true
}

func (t *fpIndex) bytes() uint64 {
	return uint64(len(t.slots)) + overflowEntryBytes*uint64(len(t.overflow))
}

// partitionedIndex is the visited set of a graph search, partitioned like
// partitionedFPs so that workers insert into their own partitions at once.
type partitionedIndex [partitions]*fpIndex

func newPartitionedIndex(b *budget) *partitionedIndex {
	var p partitionedIndex
	for i := range p {
		p[i] = newFPIndex(partitionSlotsLog2, b)
	}
	return &p
}

func (p *partitionedIndex) lookup(h uint64) (uint32, bool) {
	return p[partitionOf(h)].lookup(h << partitionBits)
}

func (p *partitionedIndex) insertValue(h uint64, val uint32) (prev uint32, added, ok bool) {
	return p[partitionOf(h)].insert(h<<partitionBits, val)
}

func (p *partitionedIndex) update(h uint64, val uint32) {
	p[partitionOf(h)].update(h<<partitionBits, val)
}

// The visited interface, for the level-0 seeding and the result.
func (p *partitionedIndex) contains(h uint64, _ []byte) bool {
	_, ok := p.lookup(h)
	return ok
}

func (p *partitionedIndex) insert(h uint64, _ string) (added, ok bool) {
	_, added, ok = p.insertValue(h, math.MaxUint32)
	return added, ok
}

func (p *partitionedIndex) bytes() uint64 {
	var n uint64
	for _, t := range p {
		n += t.bytes()
	}
	return n
}

func (p *partitionedIndex) release() {
	for _, t := range p {
		if t.slots != nil {
			t.budget.free(uint64(len(t.slots)))
		}
		t.slots, t.overflow = nil, nil
	}
}
