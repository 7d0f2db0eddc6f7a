// Package graphviz draws what the other packages produce: the endpoint
// state diagram generated from a variant's rule table, the reachable
// global state graph of a small configuration, and counterexamples as
// message sequence charts.
//
// Every image can be written as DOT (built with github.com/emicklei/dot)
// for Graphviz. SVG and PNG come from tcpmc's own renderer, which needs
// nothing but Go: sequence charts have a fixed geometry, and the two
// graphs use a layered layout whose edge labels take room like nodes. The
// renderer measures text with the Go fonts and pins each text to that
// width in SVG, and rasterizes PNG with the same fonts. When a `dot`
// program is installed, the graphs can be rendered by it instead.
package graphviz
