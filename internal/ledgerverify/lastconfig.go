package ledgerverify

import (
	"fmt"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// LastConfigIndex reads the last config index the orderers signed in a block.
func LastConfigIndex(b *cb.Block) (uint64, error) {
	if b.GetHeader().GetNumber() == 0 {
		return 0, nil
	}
	md := b.GetMetadata().GetMetadata()
	if len(md) <= int(cb.BlockMetadataIndex_SIGNATURES) {
		return 0, fmt.Errorf("block %d has no signatures metadata", b.GetHeader().GetNumber())
	}
	m := &cb.Metadata{}
	if err := proto.Unmarshal(md[cb.BlockMetadataIndex_SIGNATURES], m); err != nil {
		return 0, fmt.Errorf("block %d signatures metadata: %w", b.GetHeader().GetNumber(), err)
	}
	obm := &cb.OrdererBlockMetadata{}
	if err := proto.Unmarshal(m.Value, obm); err != nil {
		return 0, fmt.Errorf("block %d orderer metadata: %w", b.GetHeader().GetNumber(), err)
	}
	return obm.GetLastConfig().GetIndex(), nil
}
