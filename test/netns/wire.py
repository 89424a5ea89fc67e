#!/usr/bin/env python3
"""
A userspace stand-in for `tc qdisc ... netem` where the kernel has no sch_netem (CONFIG_NET_SCH_NETEM unset,
as on the Firecracker kernels these tests run on). Used by test/netns only.

Each node's link is cut in two: the node's veth peer in the root namespace (`host`, frames the node sent) and
a second veth pair whose other end is a port of the bridge (`wire`). This process copies frames between the two
with AF_PACKET sockets: host -> wire (the node's egress) after a delay of `delay +- jitter` ms (uniform, each
frame on its own, so frames can be reordered, as netem does) unless dropped with probability `loss`; wire ->
host (the node's ingress) at once. That is what `tc qdisc add dev <veth-in-ns> root netem delay D J loss L`
does to the node's interface. PACKET_VNET_HDR carries the checksum-offload and GSO metadata of veth frames
across unchanged (a GSO frame is delayed or dropped as one, like netem does with one skb).

Usage: wire.py HOST:WIRE [HOST:WIRE ...]; stdin takes lines `set <delayMs> <jitterMs> <lossPct>`, `stats`
(prints one JSON line) and `quit`. Prints `ready` once every socket is bound.
"""
import heapq
import json
import os
import random
import select
import socket
import sys
import time

SOL_PACKET = 263
PACKET_VNET_HDR = 15
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAX_FRAME = 65536 + 10 + 64


def open_port(ifname):
    # protocol 0 until bound: an ETH_P_ALL socket would see every interface's frames before bind
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind((ifname, ETH_P_ALL))
    s.setblocking(False)
    return s


def main():
    delay, jitter, loss = 0.0, 0.0, 0.0
    ports = {}  # fd -> (socket, out socket, impaired)
    for arg in sys.argv[1:]:
        host, wire = arg.split(":")
        h, w = open_port(host), open_port(wire)
        ports[h.fileno()] = (h, w, True)
        ports[w.fileno()] = (w, h, False)
    stats = {"frames": 0, "delayed": 0, "dropped": 0, "sendErrors": 0}
    heap = []
    seq = 0
    poller = select.poll()
    for fd in ports:
        poller.register(fd, select.POLLIN)
    stdin = sys.stdin.fileno()
    poller.register(stdin, select.POLLIN)
    pending = b""
    print("ready", flush=True)

    def send(out, data):
        try:
            out.send(data)
        except OSError:
            stats["sendErrors"] += 1

    while True:
        timeout = None
        if heap:
            timeout = max(0, int((heap[0][0] - time.monotonic()) * 1000) + 1)
        for fd, ev in poller.poll(timeout):
            if fd == stdin:
                chunk = os.read(stdin, 4096)
                if chunk == b"":
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    words = line.decode().split()
                    if not words:
                        continue
                    if words[0] == "set":
                        delay, jitter, loss = float(words[1]) / 1000, float(words[2]) / 1000, float(words[3]) / 100
                        print("ok", flush=True)
                    elif words[0] == "stats":
                        print(json.dumps(stats), flush=True)
                    elif words[0] == "quit":
                        return
                continue
            sock, out, impaired = ports[fd]
            for _ in range(256):
                try:
                    data, addr = sock.recvfrom(MAX_FRAME)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own send on this interface
                stats["frames"] += 1
                if not impaired or (delay == 0 and jitter == 0 and loss == 0):
                    send(out, data)
                    continue
                if loss > 0 and random.random() < loss:
                    stats["dropped"] += 1
                    continue
                d = max(0.0, delay + random.uniform(-jitter, jitter))
                seq += 1
                stats["delayed"] += 1
                heapq.heappush(heap, (time.monotonic() + d, seq, out, data))
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            _, _, out, data = heapq.heappop(heap)
            send(out, data)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
