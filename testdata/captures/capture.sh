#!/usr/bin/env bash
# Records the connections in testdata/captures from this machine's Linux
# kernel: two network namespaces joined by a veth pair (client 10.9.0.1,
# server 10.9.0.2), tcpdump on the server's side of the pair, nftables to
# lose or duplicate chosen segments, and the peer program beside this
# script to make each connection. Segments cross on a veth in
# microseconds, so the simultaneous open and close are made by losing the
# first SYN or FIN: the other side's then meets an endpoint still waiting.
#
#   sudo testdata/captures/capture.sh            # all captures
#   sudo testdata/captures/capture.sh lost-syn   # one
#
# Needs root, ip, tc, nft, ethtool, tcpdump and Go. The test suite only
# reads the .pcap files, so it needs none of this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."

peer=$(mktemp -d)/peer
go build -o "$peer" ./testdata/captures/peer
C="ip netns exec tcpmc-c"
S="ip netns exec tcpmc-s"

setup() {
	teardown
	ip netns add tcpmc-c
	ip netns add tcpmc-s
	ip link add veth-c netns tcpmc-c type veth peer name veth-s netns tcpmc-s
	$C ip addr add 10.9.0.1/24 dev veth-c
	$S ip addr add 10.9.0.2/24 dev veth-s
	for ns in tcpmc-c tcpmc-s; do
		ip netns exec $ns ip link set lo up
	done
	$C ip link set veth-c up
	$S ip link set veth-s up
	# One segment per write, as sent: no segmentation or coalescing.
	$C ethtool -K veth-c tso off gso off gro off >/dev/null
	$S ethtool -K veth-s tso off gso off gro off >/dev/null
}

teardown() {
	ip netns del tcpmc-c 2>/dev/null || true
	ip netns del tcpmc-s 2>/dev/null || true
}
trap teardown EXIT

# record NAME CLIENT-ARGS SERVER-ARGS: run one connection and keep its
# capture as NAME.pcap. The server, if any, starts first.
record() {
	local name=$1 client=$2 server=$3
	local out="$here/$name.pcap"
	$S tcpdump -i veth-s -s 96 -U -w "$out" tcp 2>/dev/null &
	local dump=$!
	sleep 0.5
	local srv=
	if [ -n "$server" ]; then
		$S "$peer" $server &
		srv=$!
		sleep 0.2
	fi
	$C "$peer" $client || true
	[ -z "$srv" ] || wait $srv || true
	sleep 1.5 # retransmissions, TIME-WAIT's answers
	kill -INT $dump
	wait $dump || true
	echo "$name.pcap: $(tcpdump -r "$out" 2>/dev/null | wc -l) segments"
}

# drop NS RULE: an nftables rule in a namespace's input hook.
drop() {
	ip netns exec "$1" nft add table inet fault
	ip netns exec "$1" nft add chain inet fault in '{ type filter hook input priority 0; }'
	ip netns exec "$1" nft add rule inet fault in "$2" drop
}

at() { echo "$(($(date +%s) + 2))"; }

srv="-listen 10.9.0.2:5000"
cli="-connect 10.9.0.2:5000"

want=${1:-all}
run() { [ "$want" = all ] || [ "$want" = "$1" ]; }

if run open-close; then
	setup
	record open-close "$cli -do write:100,close" "$srv -do read-eof,sleep:50ms,close"
fi
if run server-closes-first; then
	setup
	record server-closes-first "$cli -do read-eof,sleep:50ms,close" "$srv -do write:100,close"
fi
if run half-close; then
	setup
	record half-close "$cli -do write:100,shutdown-wr,read-eof,close" "$srv -do read-eof,write:100,sleep:50ms,write:100,close"
fi
if run fin-rides-on-ack; then
	setup
	record fin-rides-on-ack "$cli -do write:100,close" "$srv -do read-eof,close"
fi
if run simultaneous-close; then
	setup
	# The client's FIN is lost; the server's crosses its retransmission:
	# the client goes through CLOSING.
	drop tcpmc-s 'ip saddr 10.9.0.1 tcp flags & fin == fin numgen inc mod 100 == 0'
	record simultaneous-close "$cli -do write:100,read:100,close,sleep:1s" "$srv -do read:100,write:100,sleep:100ms,close,sleep:1s"
fi
if run simultaneous-open; then
	setup
	# A's SYN is lost; B's SYN reaches A in SYN-SENT: A goes through
	# SYN-RECEIVED, as in RFC 9293's Figure 8.
	drop tcpmc-s 'tcp flags == syn numgen inc mod 100 == 0'
	t=$(at)
	record simultaneous-open "-connect 10.9.0.2:5000 -bind 10.9.0.1:6000 -at $t -do write:100,read:100,close" \
		"-connect 10.9.0.1:6000 -bind 10.9.0.2:5000 -at $t.1 -do read:100,write:100,sleep:200ms,close"
fi
if run rst-closed-port; then
	setup
	record rst-closed-port "-connect 10.9.0.2:5001" ""
fi
if run abortive-close; then
	setup
	record abortive-close "$cli -do write:100,sleep:50ms,linger0,close" "$srv -do read-eof"
fi
if run lost-final-ack; then
	setup
	# The client's second pure ACK (the first is the handshake's) is the
	# final one: TIME-WAIT answers the server's retransmitted FIN.
	drop tcpmc-s 'ip saddr 10.9.0.1 tcp flags == ack numgen inc mod 100 == 1'
	record lost-final-ack "$cli -do write:100,close" "$srv -do read-eof,sleep:50ms,close"
fi
if run lost-syn; then
	setup
	drop tcpmc-s 'tcp flags == syn numgen inc mod 100 == 0'
	record lost-syn "$cli -do write:100,close" "$srv -do read-eof,sleep:50ms,close"
fi
if run lost-syn-ack; then
	setup
	drop tcpmc-c 'tcp flags == syn|ack numgen inc mod 100 == 0'
	record lost-syn-ack "$cli -do write:100,close" "$srv -do read-eof,sleep:50ms,close"
fi
if run lost-data; then
	setup
	# The client's data is lost and retransmitted before it closes.
	drop tcpmc-s 'ip saddr 10.9.0.1 ip length > 80 numgen inc mod 100 == 0'
	record lost-data "$cli -do write:100,sleep:1s,close" "$srv -do read-eof,sleep:50ms,close"
fi
if run lost-data-fin-queued; then
	setup
	# The client's data is lost and its FIN follows at once: Linux holds
	# the FIN out of order until the retransmitted data fills the gap,
	# which the model does not (it discards what arrives out of order).
	drop tcpmc-s 'ip saddr 10.9.0.1 ip length > 80 numgen inc mod 100 == 0'
	record lost-data-fin-queued "$cli -do write:100,close" "$srv -do read-eof,sleep:50ms,close"
fi
if run duplicated-data; then
	setup
	# A second copy of the client's first data segment, on the wire.
	$C nft add table netdev fault
	$C nft add chain netdev fault out '{ type filter hook egress device veth-c priority 0; }'
	$C nft add rule netdev fault out 'ip length > 80 numgen inc mod 100 == 0 dup to veth-c'
	record duplicated-data "$cli -do write:100,close" "$srv -do read-eof,sleep:50ms,close"
fi
