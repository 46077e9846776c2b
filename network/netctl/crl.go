package netctl

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govchain/govchain/internal/chanconfig"
	"github.com/govchain/govchain/internal/gatewayconfig"
)

// caClient returns the fabric-ca-client binary, the environment that makes it act as the
// org's CA registrar (the bootstrap admin enrolled by enrollOrg into ORG/ca-admin) and the
// arguments naming the CA.
func (n *Network) caClient(org string) (Org, string, []string, []string, error) {
	o, ok := n.T.Org(org)
	if !ok {
		return Org{}, "", nil, nil, fmt.Errorf("no org %q in the topology", org)
	}
	home := filepath.Join(n.L.Org(o.Name), "ca-admin")
	if _, err := os.Stat(filepath.Join(home, "msp", "signcerts")); err != nil {
		return Org{}, "", nil, nil, fmt.Errorf("%s's CA registrar is not enrolled (run up first): %w", o.Name, err)
	}
	return o, n.L.BinPath("fabric-ca-client"), []string{"FABRIC_CA_CLIENT_HOME=" + home},
		[]string{"-u", n.caURL(o), "--caname", "ca-" + o.Name, "--tls.certfiles", n.L.CACert(o.Name)}, nil
}

// EnrollUser registers a new client identity name with govchain.role role at org's CA and
// enrolls it into ORG/users/NAME/msp (cert signcerts/cert.pem, key keystore/key.pem),
// which it returns.
func (n *Network) EnrollUser(ctx context.Context, org, name, role string) (string, error) {
	o, cli, env, caArgs, err := n.caClient(org)
	if err != nil {
		return "", err
	}
	secret := randomSecret(12)
	args := append([]string{"register", "--id.name", name, "--id.type", "client",
		"--id.attrs", "govchain.role=" + role + ":ecert"}, caArgs...)
	if _, err := run(append(env, registerEnv(secret)...), "", cli, args...); err != nil {
		return "", err
	}
	msp := n.L.UserMSP(o.Name, name)
	_ = os.RemoveAll(msp)
	hostport := strings.TrimPrefix(n.caURL(o), "https://")
	if _, err := run(append(env, enrollEnv(hostport, name, secret)...), "", cli, "enroll", "--caname", "ca-"+o.Name,
		"--tls.certfiles", n.L.CACert(o.Name), "--csr.names", "C=CN,L=GovCity,O="+o.MSPID, "-M", msp); err != nil {
		return "", err
	}
	if err := tidyMSP(msp); err != nil {
		return "", err
	}
	return msp, ctx.Err()
}

// RevokeUser revokes every certificate of identity name at org's CA and returns the CA's
// CRL generated right after (PEM), which lists it.
func (n *Network) RevokeUser(ctx context.Context, org, name, reason string) ([]byte, error) {
	o, cli, env, caArgs, err := n.caClient(org)
	if err != nil {
		return nil, err
	}
	args := append([]string{"revoke", "-e", name, "--gencrl"}, caArgs...)
	if reason != "" {
		args = append(args, "-r", reason)
	}
	if _, err := run(env, "", cli, args...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(n.L.Org(o.Name), "ca-admin", "msp", "crls", "crl.pem"))
}

// PublishCRL puts crlPEM into org's MSP in the channel configuration (internal/chanconfig,
// signed by org's admin, with the orderers and identities of data/gateway.yaml) and
// returns once every peer has the new config block.
func (n *Network) PublishCRL(ctx context.Context, org string, crlPEM []byte, logf func(string, ...any)) error {
	cfg, err := gatewayconfig.Read(n.L.GatewayConfig())
	if err != nil {
		return err
	}
	u, err := chanconfig.NewCRLUpdater(cfg)
	if err != nil {
		return fmt.Errorf("%s: %w (regenerate it: scripts/network.sh up)", n.L.GatewayConfig(), err)
	}
	u.Logf = logf
	return u.PublishCRL(ctx, org, crlPEM)
}
