package chanconfig

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/hyperledger/fabric-config/configtx"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// genesis is the real genesis block of this network (MarketMSP, TaxMSP, NotaryMSP, AuditMSP).
func genesis(t *testing.T) *cb.Config {
	t.Helper()
	raw, err := os.ReadFile("../ledgerverify/testdata/devnet/0000000000.block")
	if err != nil {
		t.Fatal(err)
	}
	b := &cb.Block{}
	if err := proto.Unmarshal(raw, b); err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFromBlock(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T, cn string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour * 24),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId: []byte{1, 2, 3, 4}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testCA{cert, key}
}

func (ca testCA) crl(t *testing.T, at time.Time, serials ...int64) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, s := range serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: at})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(at.Unix()),
		ThisUpdate: at, NextUpdate: at.Add(24 * time.Hour), RevokedCertificateEntries: entries}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// trust adds ca's certificate to mspID's root certificates in config (the real block's
// CA keys are not in the repository, so the test CA stands beside the real root).
func trust(t *testing.T, config *cb.Config, mspID string, ca testCA) {
	t.Helper()
	v, mc, fc, err := orgMSP(config, mspID)
	if err != nil {
		t.Fatal(err)
	}
	fc.RootCerts = append(fc.RootCerts, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
	mc.Config, _ = proto.Marshal(fc)
	v.Value, _ = proto.Marshal(mc)
}

// apply returns config with the update's write set applied (what the orderer does for
// an update that only changes values).
func apply(t *testing.T, config *cb.Config, raw []byte) *cb.Config {
	t.Helper()
	u := &cb.ConfigUpdate{}
	if err := proto.Unmarshal(raw, u); err != nil {
		t.Fatal(err)
	}
	out := proto.Clone(config).(*cb.Config)
	var walk func(dst, ws *cb.ConfigGroup)
	walk = func(dst, ws *cb.ConfigGroup) {
		for k, v := range ws.Values {
			dst.Values[k] = v
		}
		for k, g := range ws.Groups {
			walk(dst.Groups[k], g)
		}
	}
	walk(out.ChannelGroup, u.WriteSet)
	out.Sequence++
	return out
}

func TestCRLUpdateOnRealGenesis(t *testing.T) {
	config := genesis(t)
	ca := newCA(t, "test market ca")
	trust(t, config, "MarketMSP", ca)
	base := proto.Clone(config).(*cb.Config)
	t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
	crl1 := ca.crl(t, t0, 1001)

	raw, err := CRLUpdate(config, "govchannel", "MarketMSP", crl1)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(config, base) {
		t.Fatal("CRLUpdate changed its input")
	}
	u := &cb.ConfigUpdate{}
	if err := proto.Unmarshal(raw, u); err != nil {
		t.Fatal(err)
	}
	if u.ChannelId != "govchannel" {
		t.Fatalf("channel %q", u.ChannelId)
	}
	// The write set: only Application/MarketMSP's MSP value, one version up; no group,
	// policy or other value is written.
	ws := u.WriteSet
	if len(ws.Values) != 0 || len(ws.Policies) != 0 || len(ws.Groups) != 1 {
		t.Fatalf("channel level write set: %d values, %d policies, %d groups", len(ws.Values), len(ws.Policies), len(ws.Groups))
	}
	app := ws.Groups["Application"]
	origApp := config.ChannelGroup.Groups["Application"]
	if app == nil || len(app.Groups) != 1 || len(app.Values) != 0 || len(app.Policies) != 0 || app.Version != origApp.Version {
		t.Fatalf("application write set: %v", app)
	}
	var orgKey string
	for k := range app.Groups {
		orgKey = k
	}
	org := app.Groups[orgKey]
	origOrg := origApp.Groups[orgKey]
	if len(org.Values) != 1 || org.Values["MSP"] == nil || len(org.Policies) != 0 || len(org.Groups) != 0 || org.Version != origOrg.Version {
		t.Fatalf("org %s write set: %v", orgKey, org)
	}
	if got, want := org.Values["MSP"].Version, origOrg.Values["MSP"].Version+1; got != want {
		t.Fatalf("MSP value version %d, want %d", got, want)
	}
	if org.Values["MSP"].ModPolicy != configtx.AdminsPolicyKey {
		t.Fatalf("mod policy %q", org.Values["MSP"].ModPolicy)
	}

	// The applied config differs from the original only in MarketMSP's revocation list.
	after := apply(t, config, raw)
	_, _, fcBefore, _ := orgMSP(config, "MarketMSP")
	_, _, fcAfter, err := orgMSP(after, "MarketMSP")
	if err != nil {
		t.Fatal(err)
	}
	if len(fcAfter.RevocationList) != 1 || string(fcAfter.RevocationList[0]) != string(crl1) {
		t.Fatalf("revocation list %q", fcAfter.RevocationList)
	}
	fcAfter.RevocationList = fcBefore.RevocationList
	if !proto.Equal(fcAfter, fcBefore) {
		t.Fatal("the MSP changed beyond its revocation list")
	}
	for _, other := range []string{"TaxMSP", "NotaryMSP", "AuditMSP"} {
		_, _, a, _ := orgMSP(after, other)
		_, _, b, _ := orgMSP(config, other)
		if !proto.Equal(a, b) {
			t.Fatalf("%s changed", other)
		}
	}
	if has, err := HasCRL(after, "MarketMSP", crl1); err != nil || !has {
		t.Fatalf("HasCRL = %v, %v", has, err)
	}

	// Idempotent: the same CRL again, or an older one it covers, changes nothing.
	if _, err := CRLUpdate(after, "govchannel", "MarketMSP", crl1); !errors.Is(err, ErrUnchanged) {
		t.Fatalf("same CRL again: %v", err)
	}
	if _, err := CRLUpdate(after, "govchannel", "MarketMSP", ca.crl(t, t0.Add(-time.Minute), 1001)); !errors.Is(err, ErrUnchanged) {
		t.Fatalf("older CRL covered by the one in force: %v", err)
	}

	// A newer CRL of the same CA replaces the older one.
	crl2 := ca.crl(t, t0.Add(30*time.Second), 1001, 1002)
	raw2, err := CRLUpdate(after, "govchannel", "MarketMSP", crl2)
	if err != nil {
		t.Fatal(err)
	}
	after2 := apply(t, after, raw2)
	list, _ := RevocationList(after2, "MarketMSP")
	if len(list) != 1 || string(list[0]) != string(crl2) {
		t.Fatalf("after replacement: %d CRLs", len(list))
	}

	// A CRL of another CA the MSP trusts is kept beside it.
	other := newCA(t, "second market ca")
	trust(t, after2, "MarketMSP", other)
	crl3 := other.crl(t, t0, 7)
	after3 := apply(t, after2, mustUpdate(t, after2, crl3))
	list, _ = RevocationList(after3, "MarketMSP")
	if len(list) != 2 || string(list[0]) != string(crl2) || string(list[1]) != string(crl3) {
		t.Fatalf("two CAs: %d CRLs", len(list))
	}

	// A newer CRL that drops a revocation in force is refused (it would reinstate 1002).
	if _, err := CRLUpdate(after3, "govchannel", "MarketMSP", ca.crl(t, t0.Add(time.Minute), 1001)); err == nil || !strings.Contains(err.Error(), "reinstate") {
		t.Fatalf("dropping a revocation: %v", err)
	}
}

func mustUpdate(t *testing.T, config *cb.Config, crl []byte) []byte {
	t.Helper()
	raw, err := CRLUpdate(config, "govchannel", "MarketMSP", crl)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestCRLUpdateRefuses(t *testing.T) {
	config := genesis(t)
	ca := newCA(t, "test ca")
	crl := ca.crl(t, time.Now(), 5)
	// Not signed by any CA of the MSP (the real MarketMSP root did not sign it).
	if _, err := CRLUpdate(config, "govchannel", "MarketMSP", crl); err == nil || !strings.Contains(err.Error(), "not signed by any CA") {
		t.Fatalf("foreign CRL: %v", err)
	}
	// Trusted by TaxMSP, published for MarketMSP: refused.
	trust(t, config, "TaxMSP", ca)
	if _, err := CRLUpdate(config, "govchannel", "MarketMSP", crl); err == nil {
		t.Fatal("another org's CRL accepted")
	}
	if _, err := CRLUpdate(config, "govchannel", "TaxMSP", crl); err != nil {
		t.Fatal(err)
	}
	if _, err := CRLUpdate(config, "govchannel", "OrdererMSP", crl); err == nil || !strings.Contains(err.Error(), "no application org") {
		t.Fatalf("orderer org: %v", err)
	}
	if _, err := CRLUpdate(config, "govchannel", "MarketMSP", []byte("not a crl")); err == nil {
		t.Fatal("garbage accepted")
	}
	if _, err := ParseCRL(append(crl, crl...)); err == nil {
		t.Fatal("two CRLs accepted as one")
	}
}

func TestNewCRLUpdaterNeedsOrderersAndAdmin(t *testing.T) {
	if _, err := NewCRLUpdater(&gatewayconfig.File{Channel: "govchannel"}); err == nil || !strings.Contains(err.Error(), "orderers") {
		t.Fatalf("no orderers: %v", err)
	}
	u, err := NewCRLUpdater(&gatewayconfig.File{Channel: "govchannel", Orderers: []gatewayconfig.Orderer{{Name: "orderer0", Endpoint: "127.0.0.1:1"}}})
	if err != nil {
		t.Fatal(err)
	}
	ca := newCA(t, "ca")
	if err := u.PublishCRL(context.Background(), "market", ca.crl(t, time.Now(), 1)); err == nil || !strings.Contains(err.Error(), "market/admin") {
		t.Fatalf("no admin identity: %v", err)
	}
}
