package properties

import (
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

func BenchmarkCheckMid(b *testing.B) {
	cfg := model.DefaultConfig()
	cfg.Data = [2]int{2, 1}
	cfg.Incarnations = 2
	benchCheck(b, cfg)
}
