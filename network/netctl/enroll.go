package netctl

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govchain/govchain/internal/domain"
)

// identity is one identity registered with and enrolled from an org's CA.
type identity struct {
	name  string // enrollment ID
	typ   string // peer | orderer | admin | client
	role  string // govchain.role attribute (users only)
	attrs string // other registration attributes (name=value,…), e.g. a registrar's powers
	msp   string // MSP directory to enroll into ("" = none)
	tls   string // TLS directory to enroll into ("" = none)
	hosts []string
}

// identities lists everything an org's CA issues.
func (n *Network) identities(o Org) []identity {
	var ids []identity
	hostsFor := func(name string) []string {
		return []string{n.T.Host, "localhost", fmt.Sprintf("%s.%s.%s", name, o.Name, n.T.Domain)}
	}
	for _, nd := range o.Orderers {
		ids = append(ids, identity{name: nd.Name, typ: "orderer", msp: n.L.NodeMSP(o.Name, nd.Name),
			tls: filepath.Dir(n.L.NodeTLS(o.Name, nd.Name).Cert), hosts: hostsFor(nd.Name)})
	}
	for _, nd := range o.Peers {
		ids = append(ids, identity{name: nd.Name, typ: "peer", msp: n.L.NodeMSP(o.Name, nd.Name),
			tls: filepath.Dir(n.L.NodeTLS(o.Name, nd.Name).Cert), hosts: hostsFor(nd.Name)})
	}
	if len(o.Peers) > 0 {
		// The chaincode server's TLS identity (it serves the peers over mutual TLS).
		ids = append(ids, identity{name: "ccserver", typ: "client",
			tls: filepath.Dir(n.L.NodeTLS(o.Name, "ccserver").Cert), hosts: hostsFor("cc")})
	}
	// "admin" is the CA's own bootstrap registrar; the org's admin is "orgadmin".
	admin := identity{name: "orgadmin", typ: "admin", msp: n.L.UserMSP(o.Name, "admin")}
	if o.IsOrderer() {
		admin.tls = n.L.UserTLS(o.Name, "admin") // osnadmin uses mutual TLS
		admin.hosts = []string{"admin"}
	}
	ids = append(ids, admin)
	for _, u := range o.Users {
		ids = append(ids, identity{name: u.Name, typ: "client", role: u.Role, msp: n.L.UserMSP(o.Name, u.Name)})
	}
	if len(o.Peers) > 0 {
		// The gateway's registrar: registers client identities carrying govchain.role,
		// revokes them and generates the CRL, and nothing else (unlike the CA's bootstrap
		// admin, it cannot register peers, admins or intermediate CAs).
		ids = append(ids, identity{name: GatewayRegistrar, typ: "client", msp: n.L.RegistrarMSP(o.Name),
			attrs: "hf.Registrar.Roles=client,hf.Registrar.Attributes=" + domain.RoleAttribute + ",hf.Revoker=true,hf.GenCRL=true"})
	}
	return ids
}

// GatewayRegistrar is the enrolment id of the gateway's registrar at each agency's CA.
const GatewayRegistrar = "gwregistrar"

// Secrets reach fabric-ca-client through its environment, never its command line: any local
// user can read /proc/PID/cmdline, while /proc/PID/environ is readable by this user only. The
// client binds every config key to FABRIC_CA_CLIENT_<KEY>: url (with the credentials) for
// enroll, id.secret for register.

// enrollEnv passes the enrollment credentials of name.
func enrollEnv(hostport, name, secret string) []string {
	return []string{"FABRIC_CA_CLIENT_URL=https://" + name + ":" + secret + "@" + hostport}
}

// registerEnv passes the secret of the identity being registered.
func registerEnv(secret string) []string {
	return []string{"FABRIC_CA_CLIENT_ID_SECRET=" + secret}
}

// enrollOrg registers and enrolls every identity of the org from its CA and
// lays out the org's channel MSP. It is skipped once done.
func (n *Network) enrollOrg(ctx context.Context, o Org) error {
	ids := n.identities(o)
	already := n.enrolled(o.Name)
	if already {
		// A network made by an earlier version lacks the identities added since (e.g. the
		// gateway's registrar, client-signing clerks): enrol just those, keep the rest.
		var missing []identity
		for _, id := range ids {
			if !idEnrolled(id) {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		ids = missing
	}
	cli := n.L.BinPath("fabric-ca-client")
	home := filepath.Join(n.L.Org(o.Name), "ca-admin")
	env := []string{"FABRIC_CA_CLIENT_HOME=" + home}
	ca := n.L.CACert(o.Name)
	u := n.caURL(o)
	hostport := strings.TrimPrefix(u, "https://")
	pw := n.caPassword(o.Name)
	if _, err := run(append(env, enrollEnv(hostport, "admin", pw)...), "", cli, "enroll",
		"--caname", "ca-"+o.Name, "--tls.certfiles", ca, "-M", filepath.Join(home, "msp")); err != nil {
		return err
	}
	names := "C=CN,L=GovCity,O=" + o.MSPID
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		secret := randomSecret(12)
		args := []string{"register", "-u", u, "--caname", "ca-" + o.Name, "--tls.certfiles", ca,
			"--id.name", id.name, "--id.type", id.typ}
		if id.role != "" {
			args = append(args, "--id.attrs", "govchain.role="+id.role+":ecert")
		}
		if id.attrs != "" {
			args = append(args, "--id.attrs", id.attrs)
		}
		regEnv := append(env, registerEnv(secret)...)
		if out, err := run(regEnv, "", cli, args...); err != nil {
			if !strings.Contains(string(out), "already registered") {
				return err
			}
			// Registered by an interrupted earlier run: its secret is unknown. `identity
			// modify` takes a new one only as an argument, so remove the identity (its
			// certificates, never used, are revoked with it) and register it again.
			if _, err := run(env, "", cli, "identity", "remove", id.name,
				"-u", u, "--caname", "ca-"+o.Name, "--tls.certfiles", ca); err != nil {
				return err
			}
			if _, err := run(regEnv, "", cli, args...); err != nil {
				return err
			}
		}
		userEnv := append(env, enrollEnv(hostport, id.name, secret)...)
		if id.msp != "" {
			_ = os.RemoveAll(id.msp)
			if _, err := run(userEnv, "", cli, "enroll", "--caname", "ca-"+o.Name,
				"--tls.certfiles", ca, "--csr.names", names, "-M", id.msp); err != nil {
				return err
			}
			if err := tidyMSP(id.msp); err != nil {
				return err
			}
		}
		if id.tls != "" {
			_ = os.RemoveAll(id.tls)
			if _, err := run(userEnv, "", cli, "enroll", "--caname", "ca-"+o.Name,
				"--tls.certfiles", ca, "--enrollment.profile", "tls", "--csr.names", names,
				"--csr.hosts", strings.Join(id.hosts, ","), "-M", id.tls); err != nil {
				return err
			}
			if err := tidyTLS(id.tls); err != nil {
				return err
			}
		}
	}
	if already {
		return nil // the org's channel MSP is unchanged: same CA
	}
	if err := n.writeOrgMSP(o); err != nil {
		return err
	}
	n.markEnrolled(o.Name)
	return nil
}

// idEnrolled reports whether id's certificates are on disk (its MSP and TLS directories
// as enrollOrg lays them out).
func idEnrolled(id identity) bool {
	if id.msp != "" {
		if _, err := os.Stat(filepath.Join(id.msp, "signcerts", "cert.pem")); err != nil {
			return false
		}
	}
	if id.tls != "" {
		if _, err := os.Stat(filepath.Join(id.tls, "cert.pem")); err != nil {
			return false
		}
	}
	return true
}

// tidyMSP gives an enrolled MSP fixed file names (cacerts/ca.pem,
// keystore/key.pem) and a NodeOUs config.yaml.
func tidyMSP(dir string) error {
	if err := renameOnly(filepath.Join(dir, "cacerts"), "ca.pem"); err != nil {
		return err
	}
	if err := renameOnly(filepath.Join(dir, "keystore"), "key.pem"); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(nodeOUs), 0o644)
}

// tidyTLS flattens a TLS enrollment into cert.pem, key.pem and ca.pem.
func tidyTLS(dir string) error {
	moves := map[string]string{"signcerts": "cert.pem", "keystore": "key.pem", "tlscacerts": "ca.pem"}
	for sub, name := range moves {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			return err
		}
		if len(entries) != 1 {
			return fmt.Errorf("%s/%s: expected one file, found %d", dir, sub, len(entries))
		}
		if err := os.Rename(filepath.Join(dir, sub, entries[0].Name()), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	for _, sub := range []string{"signcerts", "keystore", "tlscacerts", "cacerts", "user", "IssuerPublicKey", "IssuerRevocationPublicKey"} {
		_ = os.RemoveAll(filepath.Join(dir, sub))
	}
	return os.Chmod(filepath.Join(dir, "key.pem"), 0o600)
}

func renameOnly(dir, name string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) != 1 {
		return fmt.Errorf("%s: expected one file, found %d", dir, len(entries))
	}
	return os.Rename(filepath.Join(dir, entries[0].Name()), filepath.Join(dir, name))
}

// writeOrgMSP lays out the org's channel MSP: its CA as both identity root and
// TLS root, with NodeOUs (client, peer, admin, orderer).
func (n *Network) writeOrgMSP(o Org) error {
	dir := n.L.OrgMSP(o.Name)
	ca, err := os.ReadFile(n.L.CACert(o.Name))
	if err != nil {
		return err
	}
	for _, sub := range []string{"cacerts", "tlscacerts"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, sub, "ca.pem"), ca, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(n.L.Org(o.Name), "tlsca.pem"), ca, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(nodeOUs), 0o644)
}

const nodeOUs = `NodeOUs:
  Enable: true
  ClientOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: client
  PeerOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: peer
  AdminOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: admin
  OrdererOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: orderer
`
