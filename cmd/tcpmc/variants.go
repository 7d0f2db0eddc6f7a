package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tcpmc/tcpmc/model"
)

func runVariants(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("variants", flag.ContinueOnError)
	if helped, err := parseFlags(fs, args, stdout, "tcpmc variants\n\nLists the built-in variants."); helped || err != nil {
		return exitHolds, err
	}
	for _, v := range model.Builtins() {
		fmt.Fprintf(stdout, "%-22s %s\n", v.Name, v.Description)
	}
	return exitHolds, nil
}
