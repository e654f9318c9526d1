"""A Classic client written from docs/protocol.md alone, the way the seed article's
Python author would (struct, socket, cryptography), to run against McastCrypto's relay and sessions.

Usage: classic_client.py GROUP PORT TEXT SECONDS
Prints one line per event on standard output: ME ip:port, KEY, JOINED ip:port, LEFT ip:port,
MSG ip:port text. Sends only on the loopback interface.
"""
import os
import select
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
LOOPBACK = '127.0.0.1'
FRAGMENT_SIZE = 256


def tlv(kind, value):
    return struct.pack('!HH', kind, len(value)) + value


def parse_tlv(data):
    if len(data) < 4:
        return None
    kind, length = struct.unpack('!HH', data[:4])
    if len(data) < 4 + length:
        return None
    return kind, data[4:4 + length]


def say(line):
    print(line, flush=True)


def main():
    group, port, text, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
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
    say('ME %s:%d' % me)

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    sender.sendto(tlv(4, pem), destination)
    sender.sendto(tlv(7, b''), destination)

    server_key = None
    deadline = time.time() + 5
    while server_key is None and time.time() < deadline:
        ready, _, _ = select.select([receiver], [], [], 0.2)
        if ready:
            record = parse_tlv(receiver.recv(65535))
            if record and record[0] == 5:
                server_key = serialization.load_pem_public_key(record[1])
    if server_key is None:
        say('NOKEY')
        return 1
    say('KEY')

    def send_message(message):
        data = message.encode('utf-8')
        blocks = [data[i:i + 190] for i in range(0, len(data), 190)]
        payload = b''.join(tlv(3, server_key.encrypt(block, OAEP)) for block in blocks)
        msg_id = os.urandom(4)
        chunks = [payload[i:i + FRAGMENT_SIZE] for i in range(0, len(payload), FRAGMENT_SIZE)]
        for index, chunk in enumerate(chunks):
            sender.sendto(tlv(1, msg_id + struct.pack('!HH', index, len(chunks)) + chunk), destination)

    send_message('CONNECT')
    end = time.time() + seconds
    next_keepalive = time.time() + 1
    sent = False
    while time.time() < end:
        if time.time() >= next_keepalive:
            sender.sendto(tlv(9, b''), destination)
            next_keepalive = time.time() + 1
        ready, _, _ = select.select([receiver], [], [], 0.1)
        if not ready:
            continue
        record = parse_tlv(receiver.recv(65535))
        if record is None:
            continue
        kind, value = record
        origin = None
        if kind == 10 and len(value) >= 6:
            origin = '%s:%d' % (socket.inet_ntoa(value[:4]), struct.unpack('!H', value[4:6])[0])
            record = parse_tlv(value[6:])
            if record is None:
                continue
            kind, value = record
        if kind == 6:
            try:
                plain = private_key.decrypt(value, OAEP)
            except ValueError:
                continue
            say('MSG %s %s' % (origin, plain.decode('utf-8')))
        elif kind in (11, 12) and len(value) == 6:
            who = '%s:%d' % (socket.inet_ntoa(value[:4]), struct.unpack('!H', value[4:6])[0])
            say(('JOINED %s' if kind == 11 else 'LEFT %s') % who)
            if kind == 11 and who == '%s:%d' % me and not sent:
                send_message(text)
                sent = True
    send_message('DISCONNECT')
    return 0


if __name__ == '__main__':
    sys.exit(main())
