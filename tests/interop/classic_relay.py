"""A Classic relay written from docs/protocol.md alone, in the seed article's Python
style (struct, socket, cryptography), to run McastCrypto's sessions against.

Usage: classic_relay.py GROUP PORT SECONDS
Prints one line per event: READY ip:port, REGISTERED ip:port, JOINED ip:port, LEFT ip:port,
RELAYED ip:port n (a message relayed to n members). Sends only on the loopback interface, and stops
after SECONDS.
"""
import select
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
LOOPBACK = '127.0.0.1'
CLIENT_TIMEOUT = 15


def tlv(kind, value):
    return struct.pack('!HH', kind, len(value)) + value


def parse_tlv(data):
    if len(data) < 4:
        return None
    kind, length = struct.unpack('!HH', data[:4])
    if len(data) < 4 + length:
        return None
    return kind, data[4:4 + length]


def address(endpoint):
    return socket.inet_aton(endpoint[0]) + struct.pack('!H', endpoint[1])


def say(line):
    print(line, flush=True)


def utf8_blocks(data, size=190):
    blocks, start = [], 0
    while start < len(data):
        end = min(start + size, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        blocks.append(data[start:end])
        start = end
    return blocks


def main():
    group, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    destination = (group, port)
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    receiver.bind((group, port))
    receiver.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(LOOPBACK))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('127.0.0.1'))  # loopback only
    sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sender.bind((LOOPBACK, 0))
    me = sender.getsockname()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    clients = {}     # (ip, port) -> {'key', 'connected', 'seen'}
    fragments = {}   # ((ip, port), msg_id) -> {seq: chunk}, total
    say('READY %s:%d' % me)

    end = time.time() + seconds
    while time.time() < end:
        now = time.time()
        for who in [c for c, v in clients.items() if now - v['seen'] > CLIENT_TIMEOUT]:
            del clients[who]
            sender.sendto(tlv(12, address(who)), destination)
            say('LEFT %s:%d' % who)
        ready, _, _ = select.select([receiver], [], [], 0.1)
        if not ready:
            continue
        data, source = receiver.recvfrom(65535)
        if source == me:
            continue
        record = parse_tlv(data)
        if record is None:
            continue
        kind, value = record
        if source in clients:
            clients[source]['seen'] = now
        if kind == 4:
            try:
                public = serialization.load_pem_public_key(value)
            except ValueError:
                continue
            clients.setdefault(source, {'connected': False})
            clients[source].update(key=public, seen=now)
            say('REGISTERED %s:%d' % source)
        elif kind == 7:
            sender.sendto(tlv(5, pem), destination)
        elif kind == 1 and source in clients and len(value) >= 8:
            msg_id = value[:4]
            seq, total = struct.unpack('!HH', value[4:8])
            entry = fragments.setdefault((source, msg_id), ({}, total))
            entry[0][seq] = value[8:]
            if len(entry[0]) < total:
                continue
            del fragments[(source, msg_id)]
            payload = b''.join(entry[0][i] for i in range(total))
            plain, ok = b'', True
            while payload:
                block = parse_tlv(payload)
                if block is None or block[0] != 3:
                    ok = False
                    break
                try:
                    plain += key.decrypt(block[1], OAEP)
                except ValueError:
                    ok = False
                    break
                payload = payload[4 + len(block[1]):]
            if not ok:
                continue
            text = plain.decode('utf-8')
            if text == 'CONNECT':
                clients[source]['connected'] = True
                sender.sendto(tlv(11, address(source)), destination)
                say('JOINED %s:%d' % source)
            elif text == 'DISCONNECT':
                del clients[source]
                sender.sendto(tlv(12, address(source)), destination)
                say('LEFT %s:%d' % source)
            else:
                others = [c for c in clients if c != source]
                for other in others:
                    for block in utf8_blocks(plain):
                        sealed = clients[other]['key'].encrypt(block, OAEP)
                        sender.sendto(tlv(10, address(source) + tlv(6, sealed)), destination)
                say('RELAYED %s:%d %d' % (source[0], source[1], len(others)))
    for who in list(clients):
        sender.sendto(tlv(12, address(who)), destination)
    return 0


if __name__ == '__main__':
    sys.exit(main())
