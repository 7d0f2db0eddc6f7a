package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tcpmc/tcpmc/graphviz/htmlview"
	"github.com/tcpmc/tcpmc/model"
)

const exploreSynopsis = "tcpmc explore [flags]\n\nServes a page on 127.0.0.1 to walk the model by hand: every step enabled in\nthe current state (user calls, timers, deliveries, losses, duplicates,\nreorderings), labelled with the rules it fires; take one, go back, or jump to\nthe shortest counterexample of a property. The path is drawn as a sequence\nchart with both TCBs and the network at each step. Nothing is fetched from\noutside; Ctrl-C stops it."

func runExplore(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	var cf configFlags
	cf.register(fs)
	port := fs.Int("port", 7293, "the `port` to listen on, on 127.0.0.1 only (0: any free port)")
	if helped, err := parseFlags(fs, args, stdout, exploreSynopsis); helped || err != nil {
		return exitHolds, err
	}
	if *port < 0 || *port > 65535 {
		return 0, usagef("explore: -port %d: want 0 to 65535", *port)
	}
	v, cfg, err := cf.model()
	if err != nil {
		return 0, err
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		return 0, usagef("explore: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Handler: htmlview.NewExplorer(sys), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "exploring %s: %s\nopen http://%s/ in a browser (Ctrl-C stops)\n", v.Name, describeConfig(cfg), ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(shut)
		return exitHolds, nil
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return exitHolds, nil
		}
		return 0, err
	}
}
