package explore

import "encoding/binary"

// levelLog stores, for each state of one BFS level in the order the states
// were stored, which state of the previous level it came from and which of
// that state's successors it was. States of a level are stored in the
// order of their parents, so parent indices never decrease and are kept as
// varint deltas: a state usually costs two bytes. Entries are read back
// only to rebuild counterexamples, by a linear scan.
type levelLog struct {
	data       []byte
	n          uint32
	lastParent uint32
}

// add appends a state's link, or reports false when the budget refuses
// room for it: the log grows by doubling, accounted before it copies.
func (l *levelLog) add(parent, action uint32, b *budget) bool {
	if cap(l.data)-len(l.data) < 2*binary.MaxVarintLen32 {
		grown := 2*uint64(cap(l.data)) + 64
		if !b.reserve(grown) {
			return false
		}
		old := uint64(cap(l.data))
		l.data = append(make([]byte, 0, grown), l.data...)
		b.free(old)
	}
	l.data = binary.AppendUvarint(l.data, uint64(parent-l.lastParent))
	l.data = binary.AppendUvarint(l.data, uint64(action))
	l.lastParent = parent
	l.n++
	return true
}

// entry returns the parent and action of the i-th state of the level.
func (l *levelLog) entry(i uint32) (parent, action uint32) {
	if i >= l.n {
		panic("explore: parent link out of range")
	}
	var p uint64
	data := l.data
	for k := uint32(0); ; k++ {
		d, n := binary.Uvarint(data)
		data = data[n:]
		a, m := binary.Uvarint(data)
		data = data[m:]
		p += d
		if k == i {
			return uint32(p), uint32(a)
		}
	}
}
