// Package properties states what a correct TCP guarantees and checks a
// variant against it.
//
// The catalog (Catalog) is one table of properties: safety invariants on
// states, properties of single transitions, and liveness under strong
// fairness, each with the guarantee of TCP it names. Check explores one
// configuration of a variant with package explore and reports each
// property's verdict with its shortest counterexample (a Trace, drawn as
// a chart), judged against the variant's derived expectations; users add
// their own formulas (Compile). Options.Coverage tells which rules a check
// fired.
// The standard suite (Suite, RunSuite) runs the configurations that
// together exercise the rule table, and Mutate checks that the suite
// tells a broken variant from the original, one changed rule at a time.
// Random deep runs (NewSimulation) and the byte-stream check reach further than
// an exhaustive search can.
package properties
