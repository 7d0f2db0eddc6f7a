package graphviz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/emicklei/dot"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// Format is an image file format.
type Format string

const (
	DOT Format = "dot"
	SVG Format = "svg"
	PNG Format = "png"
)

// ParseFormat reads a format name: dot, svg or png.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case DOT, SVG, PNG:
		return f, nil
	}
	return "", fmt.Errorf("unknown image format %q (want dot, svg or png)", s)
}

// FormatOf guesses the format from a file name's extension.
func FormatOf(path string) (Format, bool) {
	f, err := ParseFormat(strings.TrimPrefix(filepath.Ext(path), "."))
	return f, err == nil
}

// Renderer chooses who lays out and draws a graph for SVG and PNG.
type Renderer string

const (
	// Auto uses Graphviz's dot program when it is installed and tcpmc's
	// own renderer otherwise.
	Auto Renderer = "auto"
	// SystemDot always uses the dot program; it is an error when it is
	// not installed.
	SystemDot Renderer = "dot"
	// Builtin always uses tcpmc's own renderer: the same image on every
	// machine.
	Builtin Renderer = "builtin"
)

// ParseRenderer reads a renderer name: auto, dot or builtin.
func ParseRenderer(s string) (Renderer, error) {
	switch r := Renderer(strings.ToLower(s)); r {
	case Auto, SystemDot, Builtin:
		return r, nil
	}
	return "", fmt.Errorf("unknown renderer %q (want auto, dot or builtin)", s)
}

// Image is a picture tcpmc draws: as DOT for Graphviz, or laid out by
// tcpmc itself.
type Image interface {
	DOT() *dot.Graph
	Drawing() *Drawing
}

// fixedGeometry marks images whose layout tcpmc always does itself:
// Graphviz has no notion of a sequence chart's time axis.
type fixedGeometry interface{ fixedGeometry() }

// PNGScale is the number of pixels per point in PNG images: twice the
// page size, sharp on high-density screens and in slides.
const PNGScale = 2

// Write writes img in format f. Sequence charts are always drawn by
// tcpmc's own renderer; graphs by r.
func Write(w io.Writer, img Image, f Format, r Renderer) error {
	if f == DOT {
		_, err := io.WriteString(w, img.DOT().String())
		return err
	}
	if _, fixed := img.(fixedGeometry); !fixed && r != Builtin {
		path, err := exec.LookPath("dot")
		switch {
		case err == nil:
			return runDot(w, path, img.DOT(), f)
		case r == SystemDot:
			return errors.New("the dot program is not installed (install Graphviz, or use the builtin renderer)")
		}
	}
	d := img.Drawing()
	switch f {
	case SVG:
		_, err := w.Write(d.SVG())
		return err
	case PNG:
		b, err := d.PNG(PNGScale)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("unknown image format %q", f)
}

// dotTimeout bounds a dot run; it lays out graphs of a few hundred nodes
// in well under a second.
const dotTimeout = 2 * time.Minute

func runDot(w io.Writer, path string, g *dot.Graph, f Format) error {
	ctx, cancel := context.WithTimeout(context.Background(), dotTimeout)
	defer cancel()
	args := []string{"-T" + string(f)}
	if f == PNG {
		args = append(args, fmt.Sprintf("-Gdpi=%d", 72*PNGScale))
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = strings.NewReader(g.String())
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(strings.SplitN(stderr.String(), "\n", 2)[0])
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("dot failed: %s", msg)
	}
	return nil
}

// Chart is a counterexample drawn as a message sequence chart.
type Chart struct{ c *chart }

// NewChart draws a trace of sys; the title goes above the chart.
func NewChart(sys *model.System, tr *properties.Trace, title string) *Chart {
	return &Chart{newChart(sys, tr, title)}
}

// MarkViolation says under the chart that its last step violates a
// property (a safety counterexample ends with the violating step).
func (c *Chart) MarkViolation(property string) *Chart {
	c.c.mark = property
	return c
}

// DOT writes the chart for Graphviz: lifelines as columns of points, one
// rank per step.
func (c *Chart) DOT() *dot.Graph { return c.c.dotGraph() }

// Drawing lays the chart out: time flows down, one row per step.
func (c *Chart) Drawing() *Drawing { return c.c.drawing() }

func (c *Chart) fixedGeometry() {}
