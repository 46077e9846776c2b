package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts every environment override.
const EnvPrefix = "GOVCHAIN_GATEWAY_"

// EnvOverrides lists the supported environment variables and what they set. A relative
// GOVCHAIN_GATEWAY_DATA_DIR or GOVCHAIN_GATEWAY_LICENCE_FONT_FILE is relative to the working
// directory (as a shell user expects), unlike the file's paths, which are relative to the
// file's directory.
var EnvOverrides = []string{
	"GOVCHAIN_GATEWAY_LISTEN           listen",
	"GOVCHAIN_GATEWAY_DEBUG_LISTEN     debug_listen (pprof, loopback only)",
	"GOVCHAIN_GATEWAY_DATA_DIR         data_dir",
	"GOVCHAIN_GATEWAY_LOG_LEVEL        log_level",
	"GOVCHAIN_GATEWAY_CHANNEL          channel",
	"GOVCHAIN_GATEWAY_CHAINCODE        chaincode",
	"GOVCHAIN_GATEWAY_CORS_ORIGINS     cors_origins (comma-separated)",
	"GOVCHAIN_GATEWAY_MAX_JSON_BYTES   limits.max_json_bytes",
	"GOVCHAIN_GATEWAY_MAX_UPLOAD_BYTES limits.max_upload_bytes",
	"GOVCHAIN_GATEWAY_REQUEST_TIMEOUT  timeouts.request",
	"GOVCHAIN_GATEWAY_WRITE_DEADLINE   timeouts.write_deadline",
	"GOVCHAIN_GATEWAY_SIGNING_TIMEOUT  timeouts.signing (unsigned client-signed steps)",
	"GOVCHAIN_GATEWAY_VERIFICATION_INTERVAL verification_interval",
	"GOVCHAIN_GATEWAY_INDEX_DRIVER     index.driver (sqlite, postgres or none)",
	"GOVCHAIN_GATEWAY_INDEX_DSN        index.dsn",
	"GOVCHAIN_GATEWAY_TRUSTED_PROXIES  trusted_proxies (comma-separated)",
	"GOVCHAIN_GATEWAY_LICENCE_FONT_FILE licence.font_file",
	"GOVCHAIN_GATEWAY_LICENCE_VERIFY_IDENTITY licence.verify_identity",
	"GOVCHAIN_GATEWAY_LICENCE_VERIFY_RATE_PER_MINUTE licence.verify_rate_per_minute",
	"GOVCHAIN_GATEWAY_LICENCE_VERIFY_BURST licence.verify_burst",
	"GOVCHAIN_GATEWAY_LICENCE_PUBLIC_URL licence.public_url",
}

func (c *Config) applyEnv(lookup func(string) (string, bool)) error {
	if lookup == nil {
		return nil
	}
	get := func(name string) (string, bool) {
		v, ok := lookup(EnvPrefix + name)
		return strings.TrimSpace(v), ok && strings.TrimSpace(v) != ""
	}
	if v, ok := get("LISTEN"); ok {
		c.Listen = v
	}
	if v, ok := get("DEBUG_LISTEN"); ok {
		c.DebugListen = v
	}
	if v, ok := get("DATA_DIR"); ok {
		abs, err := filepath.Abs(v)
		if err != nil {
			return fmt.Errorf("%sDATA_DIR: %w", EnvPrefix, err)
		}
		c.DataDir = abs
	}
	if v, ok := get("LOG_LEVEL"); ok {
		c.LogLevel = v
	}
	if v, ok := get("CHANNEL"); ok {
		c.Channel = v
	}
	if v, ok := get("CHAINCODE"); ok {
		c.Chaincode = v
	}
	if v, ok := get("INDEX_DRIVER"); ok {
		c.Index.Driver = v
	}
	if v, ok := get("INDEX_DSN"); ok {
		c.Index.DSN = v
	}
	if v, ok := get("CORS_ORIGINS"); ok {
		c.CORSOrigins = splitList(v)
	}
	if v, ok := get("TRUSTED_PROXIES"); ok {
		c.TrustedProxies = splitList(v)
	}
	if v, ok := get("LICENCE_FONT_FILE"); ok {
		abs, err := filepath.Abs(v)
		if err != nil {
			return fmt.Errorf("%sLICENCE_FONT_FILE: %w", EnvPrefix, err)
		}
		c.Licence.FontFile = abs
	}
	if v, ok := get("LICENCE_VERIFY_IDENTITY"); ok {
		c.Licence.VerifyIdentity = v
	}
	if v, ok := get("LICENCE_PUBLIC_URL"); ok {
		c.Licence.PublicURL = v
	}
	for name, dst := range map[string]*int{
		"LICENCE_VERIFY_RATE_PER_MINUTE": &c.Licence.VerifyRatePerMinute,
		"LICENCE_VERIFY_BURST":           &c.Licence.VerifyBurst,
	} {
		if v, ok := get(name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s%s=%q: not an integer", EnvPrefix, name, v)
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*int64{
		"MAX_JSON_BYTES":   &c.Limits.MaxJSONBytes,
		"MAX_UPLOAD_BYTES": &c.Limits.MaxUploadBytes,
	} {
		if v, ok := get(name); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s%s=%q: not an integer", EnvPrefix, name, v)
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*time.Duration{
		"REQUEST_TIMEOUT":       &c.Timeouts.Request,
		"WRITE_DEADLINE":        &c.Timeouts.WriteDeadline,
		"SIGNING_TIMEOUT":       &c.Timeouts.Signing,
		"VERIFICATION_INTERVAL": &c.VerificationInterval,
	} {
		if v, ok := get(name); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s%s=%q: not a duration (e.g. 30s)", EnvPrefix, name, v)
			}
			*dst = d
		}
	}
	return nil
}

// splitList reads a comma-separated list, dropping empty entries.
func splitList(v string) []string {
	var out []string
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}
