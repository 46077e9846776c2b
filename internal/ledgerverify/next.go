package ledgerverify

// Next is the number of the block the Verifier expects next (0 for a new one).
func (v *Verifier) Next() uint64 { return v.next }
