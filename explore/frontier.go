package explore

import "unsafe"

// frontier holds the states of one BFS level in fixed-size blocks, so that
// a level of millions of states grows without being copied. Each block is
// accounted in the budget before it is allocated.
type frontier[S any] struct {
	blocks [][]S
	n      int
	budget *budget
}

const frontierBlock = 1 << 14

// push appends s, or reports false when the budget refuses a new block.
func (f *frontier[S]) push(s S) bool {
	if f.n%frontierBlock == 0 {
		if !f.budget.reserve(f.blockBytes()) {
			return false
		}
		f.blocks = append(f.blocks, make([]S, 0, frontierBlock))
	}
	b := &f.blocks[len(f.blocks)-1]
	*b = append(*b, s)
	f.n++
	return true
}

func (f *frontier[S]) blockBytes() uint64 {
	var zero S
	return frontierBlock * uint64(unsafe.Sizeof(zero))
}

// release drops the level and gives its blocks back to the budget.
func (f *frontier[S]) release() {
	f.budget.free(uint64(len(f.blocks)) * f.blockBytes())
	f.blocks, f.n = nil, 0
}

func (f *frontier[S]) at(i int) *S { return &f.blocks[i/frontierBlock][i%frontierBlock] }

func (f *frontier[S]) len() int { return f.n }
