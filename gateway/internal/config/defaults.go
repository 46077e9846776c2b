package config

import "time"

// Defaults for every optional key.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultChannel         = "govchannel"
	DefaultChaincode       = "govchain"
	DefaultDataDir         = "data/gateway"
	DefaultLogLevel        = "info"
	DefaultMaxJSONBytes    = 1 << 20  // 1 MiB
	DefaultMaxUploadBytes  = 32 << 20 // 32 MiB
	DefaultIdempotencyTTL  = 24 * time.Hour
	DefaultRetryAttempts   = 3
	DefaultInitialBackoff  = 200 * time.Millisecond
	DefaultMaxBackoff      = 2 * time.Second
	DefaultEvaluate        = 5 * time.Second
	DefaultEndorse         = 15 * time.Second
	DefaultSubmit          = 10 * time.Second
	DefaultCommitStatus    = 30 * time.Second
	DefaultRequest         = 60 * time.Second
	DefaultWriteDeadline   = 90 * time.Second
	DefaultPendingDeadline = 10 * time.Minute
	DefaultVerification    = time.Minute
	DefaultSigning         = 5 * time.Minute
)

func (c *Config) applyDefaults() {
	setString(&c.Listen, DefaultListen)
	setString(&c.Channel, DefaultChannel)
	setString(&c.Chaincode, DefaultChaincode)
	setString(&c.DataDir, DefaultDataDir)
	setString(&c.LogLevel, DefaultLogLevel)
	setDuration(&c.Timeouts.Evaluate, DefaultEvaluate)
	setDuration(&c.Timeouts.Endorse, DefaultEndorse)
	setDuration(&c.Timeouts.Submit, DefaultSubmit)
	setDuration(&c.Timeouts.CommitStatus, DefaultCommitStatus)
	setDuration(&c.Timeouts.Request, DefaultRequest)
	setDuration(&c.Timeouts.WriteDeadline, DefaultWriteDeadline)
	setDuration(&c.Timeouts.PendingDeadline, DefaultPendingDeadline)
	setDuration(&c.Timeouts.Signing, DefaultSigning)
	// Shutdown lets in-flight writes run to their own deadline.
	setDuration(&c.Timeouts.Shutdown, c.Timeouts.WriteDeadline+10*time.Second)
	setDuration(&c.IdempotencyTTL, DefaultIdempotencyTTL)
	setDuration(&c.VerificationInterval, DefaultVerification)
	setDuration(&c.Retry.InitialBackoff, DefaultInitialBackoff)
	setDuration(&c.Retry.MaxBackoff, DefaultMaxBackoff)
	if c.Retry.MaxAttempts == 0 {
		c.Retry.MaxAttempts = DefaultRetryAttempts
	}
	if c.Limits.MaxJSONBytes == 0 {
		c.Limits.MaxJSONBytes = DefaultMaxJSONBytes
	}
	if c.Limits.MaxUploadBytes == 0 {
		c.Limits.MaxUploadBytes = DefaultMaxUploadBytes
	}
	c.applyIndexDefaults()
	c.applyLicenceDefaults()
}

func setString(p *string, def string) {
	if *p == "" {
		*p = def
	}
}

func setDuration(p *time.Duration, def time.Duration) {
	if *p == 0 {
		*p = def
	}
}
