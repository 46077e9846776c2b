package fabric

import (
	"log/slog"

	"google.golang.org/grpc"
)

// Option configures a Ledger.
type Option func(*Ledger)

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(log *slog.Logger) Option {
	return func(l *Ledger) { l.log = log }
}

// WithObserver receives Fabric call latencies and retry counts.
func WithObserver(o Observer) Option {
	return func(l *Ledger) { l.obs = observer{o} }
}

// WithDialOptions adds gRPC dial options to every peer connection (e.g. in tests).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(l *Ledger) { l.dialOpts = append(l.dialOpts, opts...) }
}
