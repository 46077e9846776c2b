package fabric

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/govchain/govchain/gateway/internal/index/sqlstore"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// BenchmarkIndexCatchUp measures what a rebuild costs the gateway per block, without the
// peer: decode a block of 100 valid transactions (each registering a business: the record
// and two index entries) and apply it to a SQLite index on disk (WAL, synchronous=NORMAL,
// as configured by default), one database transaction per block.
//
//	go test -run '^$' -bench IndexCatchUp -benchtime 200x ./gateway/internal/fabric
func BenchmarkIndexCatchUp(b *testing.B) {
	const txPerBlock = 100
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite", "file:"+filepath.Join(b.TempDir(), "index.db")+
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	raw := make([][]byte, b.N)
	for n := 0; n < b.N; n++ {
		var data [][]byte
		filter := make([]byte, txPerBlock)
		for i := 0; i < txPerBlock; i++ {
			uscc := fmt.Sprintf("9135020%010d%d", n*txPerBlock+i, i%10)
			biz := `{"uscc":"` + uscc + `","name":"Bench ` + uscc + ` Co., Ltd.","entity_type":"limited company","legal_representative":"Lin Mei",` +
				`"registered_capital_fen":200000000,"address":"99 Hubin South Road","business_scope":"wholesale","established_on":"2019-03-08",` +
				`"registration_authority":"Xiamen AMR","status":"ACTIVE","status_reason":"","amendments":[],"owner_org":"MarketMSP",` +
				`"created_at":"2026-11-27T08:00:00Z","created_by_org":"MarketMSP","created_by":"registrar","created_tx_id":"x",` +
				`"updated_at":"2026-11-27T08:00:00Z","updated_by_org":"MarketMSP","updated_by":"registrar","last_tx_id":"x"}`
			data = append(data, endorserTx(b, fmt.Sprintf("%064d", n*txPerBlock+i), "MarketMSP", "govchain", "business:Register", []string{"MarketMSP", "NotaryMSP"}, []write{
				{ns: "govchain", key: "biz~" + uscc, value: biz},
				{ns: "govchain", key: "bizname~Bench\x01" + uscc, value: uscc},
				{ns: "govchain", key: "bizstatus~ACTIVE\x01" + uscc, value: uscc},
			}))
		}
		blk := &common.Block{Header: &common.BlockHeader{Number: uint64(n)}, Data: &common.BlockData{Data: data},
			Metadata: &common.BlockMetadata{Metadata: [][]byte{{}, {}, filter, {}, {}}}}
		if raw[n], err = proto.Marshal(blk); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		blk := &common.Block{}
		if err := proto.Unmarshal(raw[n], blk); err != nil {
			b.Fatal(err)
		}
		rows, err := DecodeBlock(blk, "govchain")
		if err != nil {
			b.Fatal(err)
		}
		if err := store.Apply(ctx, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/s, "blocks/s")
	b.ReportMetric(float64(b.N*txPerBlock)/s, "tx/s")
}
