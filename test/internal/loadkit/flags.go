package loadkit

import (
	"flag"
	"fmt"
)

// ParseFlags parses args with fs: -h prints usage (the command line and what it does) and
// then the flags; positional arguments are refused.
func ParseFlags(fs *flag.FlagSet, args []string, usage string) error {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return nil
}
