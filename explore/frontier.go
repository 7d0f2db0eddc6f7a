package explore

// frontier holds the states of one BFS level in fixed-size blocks, so that
// a level of millions of states grows without being copied.
type frontier[S any] struct {
	blocks [][]S
	n      int
}

const frontierBlock = 1 << 14

func (f *frontier[S]) push(s S) {
	if f.n%frontierBlock == 0 {
		f.blocks = append(f.blocks, make([]S, 0, frontierBlock))
	}
	b := &f.blocks[len(f.blocks)-1]
	*b = append(*b, s)
	f.n++
}

func (f *frontier[S]) at(i int) *S { return &f.blocks[i/frontierBlock][i%frontierBlock] }

func (f *frontier[S]) len() int { return f.n }
