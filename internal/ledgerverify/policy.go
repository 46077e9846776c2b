package ledgerverify

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// ChannelConfig is the trust material of one channel configuration: its MSPs
// (root and intermediate CAs, admins, CRLs, NodeOUs) and its policies. Get one
// with ParseChannelConfig. It caches identity validations and policy
// evaluations; only ValidateIdentity is safe for concurrent use.
type ChannelConfig struct {
	mu          sync.Mutex // guards idents
	msps        map[string]*mspInfo
	ordererMSPs map[string]bool
	appOrgs     map[string]string         // Application org MSP ID -> org (group) name
	policies    map[string]*configPolicy  // "/Channel/Application/Endorsement" -> policy
	groups      map[string][]string       // group path -> sub-group paths, sorted
	idents      map[string]*identity      // serialized identity -> validated identity
	appPolicies map[string]*appPolicyEval // ApplicationPolicy bytes -> parsed
}

type configPolicy struct {
	path  string
	group string // path of the group that holds it
	sig   *cb.SignaturePolicyEnvelope
	meta  *cb.ImplicitMetaPolicy
	bad   string // why it cannot be evaluated (rejects everything)
}

// ErrCertificateRevoked is wrapped by identity errors when a CRL of the
// identity's MSP revokes its certificate.
var ErrCertificateRevoked = errors.New("certificate revoked")

// ParseChannelConfig reads the channel configuration of a config block (the
// genesis block or any later CONFIG block): what a proof verifier needs to
// validate identities and evaluate endorsement policies offline.
func ParseChannelConfig(configBlock *cb.Block) (*ChannelConfig, error) {
	return configFromBlock(configBlock)
}

func configFromBlock(b *cb.Block) (*ChannelConfig, error) {
	if len(b.GetData().GetData()) != 1 {
		return nil, fmt.Errorf("config block has %d envelopes, want 1", len(b.GetData().GetData()))
	}
	env := &cb.Envelope{}
	if err := proto.Unmarshal(b.Data.Data[0], env); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	pay := &cb.Payload{}
	if err := proto.Unmarshal(env.Payload, pay); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return configFromPayload(pay)
}

func configFromPayload(pay *cb.Payload) (*ChannelConfig, error) {
	chdr := &cb.ChannelHeader{}
	if err := proto.Unmarshal(pay.GetHeader().GetChannelHeader(), chdr); err != nil {
		return nil, fmt.Errorf("channel header: %w", err)
	}
	if cb.HeaderType(chdr.Type) != cb.HeaderType_CONFIG {
		return nil, fmt.Errorf("header type %v, want CONFIG", cb.HeaderType(chdr.Type))
	}
	ce := &cb.ConfigEnvelope{}
	if err := proto.Unmarshal(pay.Data, ce); err != nil {
		return nil, fmt.Errorf("config envelope: %w", err)
	}
	root := ce.GetConfig().GetChannelGroup()
	if root == nil {
		return nil, errors.New("config has no channel group")
	}
	cfg := &ChannelConfig{
		msps: map[string]*mspInfo{}, ordererMSPs: map[string]bool{}, appOrgs: map[string]string{},
		policies: map[string]*configPolicy{}, groups: map[string][]string{},
		idents: map[string]*identity{}, appPolicies: map[string]*appPolicyEval{},
	}
	for _, section := range []string{"Orderer", "Application"} {
		g := root.Groups[section]
		if g == nil {
			continue
		}
		for orgName, org := range g.Groups {
			val := org.Values["MSP"]
			if val == nil {
				return nil, fmt.Errorf("%s org %s has no MSP value", section, orgName)
			}
			mc := &mspb.MSPConfig{}
			if err := proto.Unmarshal(val.Value, mc); err != nil {
				return nil, fmt.Errorf("%s org %s MSP: %w", section, orgName, err)
			}
			if mc.Type != 0 { // not an X.509 (FABRIC) MSP, e.g. Idemix: its identities are unknown here
				continue
			}
			fc := &mspb.FabricMSPConfig{}
			if err := proto.Unmarshal(mc.Config, fc); err != nil {
				return nil, fmt.Errorf("%s org %s MSP config: %w", section, orgName, err)
			}
			if cfg.msps[fc.Name] == nil {
				m, err := parseMSP(fc)
				if err != nil {
					return nil, err
				}
				cfg.msps[fc.Name] = m
			}
			if section == "Orderer" {
				cfg.ordererMSPs[fc.Name] = true
			} else {
				cfg.appOrgs[fc.Name] = orgName
			}
		}
	}
	if len(cfg.ordererMSPs) == 0 {
		return nil, errors.New("config has no orderer org")
	}
	cfg.addPolicies("/Channel", root)
	return cfg, nil
}

func (c *ChannelConfig) addPolicies(path string, g *cb.ConfigGroup) {
	for name, cp := range g.Policies {
		p := &configPolicy{path: path + "/" + name, group: path}
		pol := cp.GetPolicy()
		switch cb.Policy_PolicyType(pol.GetType()) {
		case cb.Policy_SIGNATURE:
			env := &cb.SignaturePolicyEnvelope{}
			if err := proto.Unmarshal(pol.Value, env); err != nil {
				p.bad = fmt.Sprintf("signature policy: %v", err)
			} else if env.Version != 0 {
				p.bad = fmt.Sprintf("signature policy version %d", env.Version)
			} else {
				p.sig = env
			}
		case cb.Policy_IMPLICIT_META:
			m := &cb.ImplicitMetaPolicy{}
			if err := proto.Unmarshal(pol.Value, m); err != nil {
				p.bad = fmt.Sprintf("implicit meta policy: %v", err)
			} else {
				p.meta = m
			}
		default:
			p.bad = fmt.Sprintf("policy type %d is not supported", pol.GetType())
		}
		c.policies[p.path] = p
	}
	var subs []string
	for name, sub := range g.Groups {
		sp := path + "/" + name
		subs = append(subs, sp)
		c.addPolicies(sp, sub)
	}
	sort.Strings(subs)
	c.groups[path] = subs
}

// identity deserializes and validates a serialized identity (cached).
func (c *ChannelConfig) identity(serialized []byte) (*identity, error) {
	c.mu.Lock()
	id, ok := c.idents[string(serialized)]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	sid := &mspb.SerializedIdentity{}
	if err := proto.Unmarshal(serialized, sid); err != nil {
		return nil, fmt.Errorf("serialized identity: %w", err)
	}
	m := c.msps[sid.Mspid]
	if m == nil {
		return nil, fmt.Errorf("MSP %q is not in the channel configuration", sid.Mspid)
	}
	cert, err := parsePEMCert(sid.IdBytes)
	if err != nil {
		return nil, fmt.Errorf("MSP %s identity certificate: %w", sid.Mspid, err)
	}
	id = &identity{mspid: sid.Mspid, cert: cert, msp: m}
	tbs := sha256.Sum256(cert.RawTBSCertificate)
	id.key = sid.Mspid + "\x00" + string(tbs[:])
	m.validate(id)
	if id.err == nil {
		pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			id.err = errors.New("not an ECDSA key")
		}
		id.pub = pub
	}
	if id.err != nil {
		if id.revoked {
			id.err = fmt.Errorf("certificate %q: %w: %v", cert.Subject.CommonName, ErrCertificateRevoked, id.err)
		} else {
			id.err = fmt.Errorf("certificate %q: %v", cert.Subject.CommonName, id.err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.idents[string(serialized)]; ok {
		return prev, nil // validated concurrently: keep one
	}
	c.idents[string(serialized)] = id
	return id, nil
}

// ValidateIdentity checks a serialized identity as Fabric's MSP does: its
// certificate chains to a CA of its MSP (at the certificate's NotBefore), is
// not revoked by the MSP's CRLs (errors.Is(err, ErrCertificateRevoked)), and
// obeys the MSP's OU and NodeOU rules.
func (c *ChannelConfig) ValidateIdentity(serialized []byte) error {
	id, err := c.identity(serialized)
	if err != nil {
		return err
	}
	return id.err
}

// identityKey returns the verified key of a valid identity, restricted to
// the allowed MSPs when non-nil.
func (c *ChannelConfig) identityKey(serialized []byte, allowed map[string]bool) (*identity, error) {
	id, err := c.identity(serialized)
	if err != nil {
		return nil, err
	}
	if id.err != nil {
		return id, id.err
	}
	if allowed != nil && !allowed[id.mspid] {
		return id, fmt.Errorf("MSP %s is not an orderer org", id.mspid)
	}
	return id, nil
}

// ---- policy evaluation ----

// appPolicyEval is a parsed ApplicationPolicy.
type appPolicyEval struct {
	sig *cb.SignaturePolicyEnvelope
	ref string
	bad string
}

func (c *ChannelConfig) appPolicy(policy []byte) *appPolicyEval {
	if p, ok := c.appPolicies[string(policy)]; ok {
		return p
	}
	p := &appPolicyEval{}
	ap := &pb.ApplicationPolicy{}
	if err := proto.Unmarshal(policy, ap); err != nil {
		p.bad = fmt.Sprintf("application policy: %v", err)
	} else {
		switch t := ap.Type.(type) {
		case *pb.ApplicationPolicy_SignaturePolicy:
			if t.SignaturePolicy == nil {
				p.bad = "empty signature policy"
			}
			p.sig = t.SignaturePolicy
		case *pb.ApplicationPolicy_ChannelConfigPolicyReference:
			p.ref = t.ChannelConfigPolicyReference
		default:
			p.bad = "application policy of no known type"
		}
	}
	if len(c.appPolicies) < 4096 {
		c.appPolicies[string(policy)] = p
	}
	return p
}

// satisfied evaluates a marshalled ApplicationPolicy against deduplicated,
// signature-checked identities, as Fabric's ApplicationPolicyEvaluator.
func (c *ChannelConfig) satisfied(policy []byte, ids []*identity) bool {
	p := c.appPolicy(policy)
	switch {
	case p.bad != "":
		return false
	case p.sig != nil:
		return evalSignaturePolicy(p.sig, ids)
	default:
		return c.evalRef(p.ref, ids, 0)
	}
}

func (c *ChannelConfig) lookup(ref string) *configPolicy {
	if !strings.HasPrefix(ref, "/") {
		ref = "/Channel/" + ref
	}
	return c.policies[ref]
}

func (c *ChannelConfig) evalRef(ref string, ids []*identity, depth int) bool {
	p := c.lookup(ref)
	if p == nil || p.bad != "" || depth > 8 {
		return false
	}
	if p.sig != nil {
		return evalSignaturePolicy(p.sig, ids)
	}
	subs := c.groups[p.group]
	need := metaThreshold(p.meta.Rule, len(subs))
	got := 0
	for _, g := range subs {
		if got >= need {
			break
		}
		if c.evalRef(g+"/"+p.meta.SubPolicy, ids, depth+1) {
			got++
		}
	}
	return got >= need
}

func metaThreshold(r cb.ImplicitMetaPolicy_Rule, n int) int {
	if n == 0 {
		return 0
	}
	switch r {
	case cb.ImplicitMetaPolicy_ANY:
		return 1
	case cb.ImplicitMetaPolicy_ALL:
		return n
	case cb.ImplicitMetaPolicy_MAJORITY:
		return n/2 + 1
	}
	return 0
}

// evalSignaturePolicy mirrors cauthdsl: an NOutOf gate evaluates its rules
// in order, each on a copy of the used flags, keeping a rule's flags when it
// is satisfied; a SignedBy takes the first unused identity that satisfies
// the principal. Each identity serves at most one SignedBy.
func evalSignaturePolicy(env *cb.SignaturePolicyEnvelope, ids []*identity) bool {
	if env.Rule == nil {
		return false
	}
	used := make([]bool, len(ids))
	ok, err := evalRule(env.Rule, env.Identities, ids, used, 0)
	return ok && err == nil
}

func evalRule(r *cb.SignaturePolicy, principals []*mspb.MSPPrincipal, ids []*identity, used []bool, depth int) (bool, error) {
	if depth > 64 {
		return false, errors.New("policy nested too deeply")
	}
	switch t := r.GetType().(type) {
	case *cb.SignaturePolicy_NOutOf_:
		verified := int32(0)
		tmp := make([]bool, len(used))
		for _, sub := range t.NOutOf.GetRules() {
			copy(tmp, used)
			ok, err := evalRule(sub, principals, ids, tmp, depth+1)
			if err != nil {
				return false, err
			}
			if ok {
				verified++
				copy(used, tmp)
			}
		}
		return verified >= t.NOutOf.GetN(), nil
	case *cb.SignaturePolicy_SignedBy:
		if t.SignedBy < 0 || int(t.SignedBy) >= len(principals) {
			return false, fmt.Errorf("principal index %d out of range", t.SignedBy)
		}
		p := principals[t.SignedBy]
		key := string(rune(p.PrincipalClassification)) + string(p.Principal)
		for i, id := range ids {
			if used[i] {
				continue
			}
			if id.satisfies(p, []byte(key)) == nil {
				used[i] = true
				return true, nil
			}
		}
		return false, nil
	}
	return false, errors.New("unknown signature policy element")
}

// DescribePolicy renders a marshalled ApplicationPolicy for people:
// "2 of MarketMSP.peer, TaxMSP.peer, NotaryMSP.peer", or for a channel
// config reference its path and what it means in this configuration.
func (c *ChannelConfig) DescribePolicy(policy []byte) string {
	p := c.appPolicy(policy)
	switch {
	case p.bad != "":
		return "unreadable policy (" + p.bad + ")"
	case p.sig != nil:
		return describeSignaturePolicy(p.sig)
	default:
		return p.ref + " (" + c.describeRef(p.ref, 0) + ")"
	}
}

func (c *ChannelConfig) describeRef(ref string, depth int) string {
	p := c.lookup(ref)
	switch {
	case p == nil:
		return "not in the channel configuration: rejects everything"
	case p.bad != "":
		return p.bad
	case depth > 8:
		return "…"
	case p.sig != nil:
		return describeSignaturePolicy(p.sig)
	}
	subs := c.groups[p.group]
	var parts []string
	for _, g := range subs {
		parts = append(parts, c.describeRef(g+"/"+p.meta.SubPolicy, depth+1))
	}
	return fmt.Sprintf("%s: %d of the %d %s policies [%s]", p.meta.Rule, metaThreshold(p.meta.Rule, len(subs)), len(subs),
		p.meta.SubPolicy, strings.Join(parts, "; "))
}

func describeSignaturePolicy(env *cb.SignaturePolicyEnvelope) string {
	if env.Rule == nil {
		return "empty signature policy"
	}
	return describeRule(env.Rule, env.Identities, 0)
}

func describeRule(r *cb.SignaturePolicy, principals []*mspb.MSPPrincipal, depth int) string {
	switch t := r.GetType().(type) {
	case *cb.SignaturePolicy_SignedBy:
		if t.SignedBy < 0 || int(t.SignedBy) >= len(principals) {
			return "invalid principal"
		}
		return principalString(principals[t.SignedBy])
	case *cb.SignaturePolicy_NOutOf_:
		rules := t.NOutOf.GetRules()
		if len(rules) == 1 && t.NOutOf.GetN() == 1 {
			return describeRule(rules[0], principals, depth+1)
		}
		var parts []string
		for _, sub := range rules {
			s := describeRule(sub, principals, depth+1)
			if _, nested := sub.GetType().(*cb.SignaturePolicy_NOutOf_); nested && len(sub.GetNOutOf().GetRules()) > 1 {
				s = "(" + s + ")"
			}
			parts = append(parts, s)
		}
		n := t.NOutOf.GetN()
		switch {
		case int(n) == len(rules) && n > 1:
			return "all of " + strings.Join(parts, ", ")
		case n == 1:
			return "one of " + strings.Join(parts, ", ")
		}
		return fmt.Sprintf("%d of %s", n, strings.Join(parts, ", "))
	}
	return "invalid policy element"
}

// signers validates endorsements as Fabric's SignatureSetToValidIdentities:
// each endorser identity deserialized, deduplicated, its signature over
// proposalResponsePayload || endorser checked. Unlike Fabric, which skips
// them, an invalid endorser or signature is an error here (index of the
// endorsement, and whether the error is a revocation).
func (c *ChannelConfig) signers(prp []byte, ends []*pb.Endorsement) ([]*identity, int, error) {
	ids := make([]*identity, 0, len(ends))
	seen := make(map[string]bool, len(ends))
	for i, e := range ends {
		id, err := c.identityKey(e.Endorser, nil)
		if err != nil {
			return nil, i, err
		}
		msg := make([]byte, 0, len(prp)+len(e.Endorser))
		msg = append(append(msg, prp...), e.Endorser...)
		if !verifySig(id.pub, e.Signature, msg) {
			return nil, i, errBadEndorsementSig
		}
		if seen[id.key] {
			continue
		}
		seen[id.key] = true
		ids = append(ids, id)
	}
	return ids, -1, nil
}

var errBadEndorsementSig = errors.New("endorsement signature does not verify with the endorser's key")

// CheckEndorsementPolicy checks endorsements of a proposal response payload
// against a marshalled ApplicationPolicy (a chaincode's validation parameter,
// a collection's endorsement policy, or a key-level policy as returned by
// KeyLevelPolicy), as Fabric's validator would: every endorser identity must
// be valid in this configuration and its signature over
// proposalResponsePayload || endorser must verify; the distinct endorsers
// must then satisfy the policy. The error says what the policy needs and who
// endorsed.
func (c *ChannelConfig) CheckEndorsementPolicy(policy, proposalResponsePayload []byte, endorsements []*pb.Endorsement) error {
	ids, i, err := c.signers(proposalResponsePayload, endorsements)
	if err != nil {
		return fmt.Errorf("endorsement %d: %w", i, err)
	}
	if !c.satisfied(policy, ids) {
		return fmt.Errorf("needs %s; got %s", c.DescribePolicy(policy), describeSigners(ids))
	}
	return nil
}

func describeSigners(ids []*identity) string {
	if len(ids) == 0 {
		return "no endorsement"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}

// LifecycleEndorsementPolicy is the policy that _lifecycle's own public
// writes (chaincode definitions) must satisfy, as Fabric's
// LifecycleEndorsementPolicyAsBytes: the reference
// /Channel/Application/LifecycleEndorsement when the configuration has it,
// else a majority of the application orgs' members.
func (c *ChannelConfig) LifecycleEndorsementPolicy() []byte {
	if c.lookup(lifecycleEndorsementRef) != nil {
		return marshalOrPanic(&pb.ApplicationPolicy{Type: &pb.ApplicationPolicy_ChannelConfigPolicyReference{ChannelConfigPolicyReference: lifecycleEndorsementRef}})
	}
	ids := make([]string, 0, len(c.appOrgs))
	for m := range c.appOrgs {
		ids = append(ids, m)
	}
	sort.Strings(ids)
	return marshalOrPanic(&pb.ApplicationPolicy{Type: &pb.ApplicationPolicy_SignaturePolicy{
		SignaturePolicy: nOutOfRole(int32(len(ids)/2+1), mspb.MSPRole_MEMBER, ids)}})
}

const lifecycleEndorsementRef = "/Channel/Application/LifecycleEndorsement"

// implicitCollectionPolicy is ImplicitCollectionEndorsementPolicyAsBytes:
// the org's Endorsement policy if the config has one, else any member.
func (c *ChannelConfig) implicitCollectionPolicy(mspid string) ([]byte, error) {
	org, ok := c.appOrgs[mspid]
	if !ok {
		return nil, fmt.Errorf("no application org with MSP ID %s in the channel", mspid)
	}
	ref := "/Channel/Application/" + org + "/Endorsement"
	if c.lookup(ref) != nil {
		return marshalOrPanic(&pb.ApplicationPolicy{Type: &pb.ApplicationPolicy_ChannelConfigPolicyReference{ChannelConfigPolicyReference: ref}}), nil
	}
	return marshalOrPanic(&pb.ApplicationPolicy{Type: &pb.ApplicationPolicy_SignaturePolicy{
		SignaturePolicy: nOutOfRole(1, mspb.MSPRole_MEMBER, []string{mspid})}}), nil
}

// nOutOfRole is policydsl.SignedByNOutOfGivenRole.
func nOutOfRole(n int32, role mspb.MSPRole_MSPRoleType, mspids []string) *cb.SignaturePolicyEnvelope {
	env := &cb.SignaturePolicyEnvelope{}
	var rules []*cb.SignaturePolicy
	for i, id := range mspids {
		env.Identities = append(env.Identities, &mspb.MSPPrincipal{
			PrincipalClassification: mspb.MSPPrincipal_ROLE,
			Principal:               marshalOrPanic(&mspb.MSPRole{MspIdentifier: id, Role: role}),
		})
		rules = append(rules, &cb.SignaturePolicy{Type: &cb.SignaturePolicy_SignedBy{SignedBy: int32(i)}})
	}
	env.Rule = &cb.SignaturePolicy{Type: &cb.SignaturePolicy_NOutOf_{NOutOf: &cb.SignaturePolicy_NOutOf{N: n, Rules: rules}}}
	return env
}

func marshalOrPanic(m proto.Message) []byte {
	b, err := canon.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}
