package explore

// indexMap maps 64-bit state hashes to state indices for the liveness
// graph: open addressing with linear probing, 12 bytes a slot at most
// three quarters full, a third of what a Go map costs per entry.
type indexMap struct {
	keys []uint64
	vals []uint32 // index+1; 0 marks an empty slot
	n    int
	mask uint64
}

func newIndexMap() *indexMap {
	const initial = 1 << 12
	return &indexMap{keys: make([]uint64, initial), vals: make([]uint32, initial), mask: initial - 1}
}

// lookup returns the index stored for h, or stores next and returns it
// with isNew set.
func (m *indexMap) lookup(h uint64, next uint32) (uint32, bool) {
	i := h & m.mask
	for m.vals[i] != 0 {
		if m.keys[i] == h {
			return m.vals[i] - 1, false
		}
		i = (i + 1) & m.mask
	}
	m.keys[i], m.vals[i] = h, next+1
	m.n++
	if uint64(m.n)*4 > (m.mask+1)*3 {
		m.grow()
	}
	return next, true
}

func (m *indexMap) grow() {
	keys, vals := m.keys, m.vals
	size := uint64(len(keys)) * 2
	m.keys, m.vals, m.mask = make([]uint64, size), make([]uint32, size), size-1
	for j, v := range vals {
		if v == 0 {
			continue
		}
		i := keys[j] & m.mask
		for m.vals[i] != 0 {
			i = (i + 1) & m.mask
		}
		m.keys[i], m.vals[i] = keys[j], v
	}
}

func (m *indexMap) bytes() uint64 { return uint64(len(m.keys))*8 + uint64(len(m.vals))*4 }

// fifo is a queue of states in fixed-size blocks; blocks already consumed
// are dropped, so it holds about the breadth-first frontier, not every
// state seen.
type fifo[S any] struct {
	blocks [][]S
	head   int // position of the next state in blocks[0]
	n      int // states pushed so far
	popped int
}

func (q *fifo[S]) push(s S) {
	if len(q.blocks) == 0 || len(q.blocks[len(q.blocks)-1]) == frontierBlock {
		q.blocks = append(q.blocks, make([]S, 0, frontierBlock))
	}
	b := &q.blocks[len(q.blocks)-1]
	*b = append(*b, s)
	q.n++
}

func (q *fifo[S]) pop() S {
	s := q.blocks[0][q.head]
	q.head++
	q.popped++
	if q.head == frontierBlock {
		q.blocks[0] = nil
		q.blocks = q.blocks[1:]
		q.head = 0
	}
	return s
}

func (q *fifo[S]) empty() bool { return q.popped == q.n }

func (q *fifo[S]) bytes(stateSize uintptr) uint64 {
	return uint64(len(q.blocks)) * frontierBlock * uint64(stateSize)
}
