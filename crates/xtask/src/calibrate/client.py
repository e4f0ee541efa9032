"""The calibration lab's clients (`cargo xtask calibrate`), run in the
lab's own venv with pika (AMQP 0-9-1, RabbitMQ) and stomp.py (STOMP,
ActiveMQ). Each command talks to one broker on 127.0.0.1 and prints one
JSON object on its last line of stdout, which xtask reads.

They are deliberately synchronous: the lab times events from the brokers'
own log timestamps, so the clients only need to say how many messages were
confirmed and how many came back.
"""

import json
import sys
import threading
import time

HOST = "127.0.0.1"


def out(obj):
    print(json.dumps(obj), flush=True)


def rmq_publish(port, queue, count):
    import pika

    conn = pika.BlockingConnection(pika.ConnectionParameters(HOST, port))
    ch = conn.channel()
    # The queue is declared through the node we publish to: RabbitMQ 3.10
    # starts the Ra cluster from the declaring node, whose member leads term 1.
    ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    ch.confirm_delivery()
    confirmed = 0
    props = pika.BasicProperties(delivery_mode=2)
    for i in range(count):
        # With confirms on, basic_publish waits for the broker's ack and
        # raises on a nack, so `confirmed` counts exactly the acked ones.
        ch.basic_publish("", queue, str(i).encode(), props, mandatory=True)
        confirmed += 1
    conn.close()
    out({"confirmed": confirmed})


def rmq_drain(port, queue, timeout_s):
    import pika

    deadline = time.monotonic() + timeout_s
    seen = set()
    gets = 0
    last_error = None
    while time.monotonic() < deadline:
        try:
            conn = pika.BlockingConnection(pika.ConnectionParameters(HOST, port))
            ch = conn.channel()
            while True:
                method, _props, body = ch.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                gets += 1
                seen.add(body.decode())
                ch.basic_ack(method.delivery_tag)
            ch.queue_delete(queue)
            conn.close()
            out({"received": len(seen), "gets": gets})
            return
        except Exception as err:  # the queue may still be electing
            last_error = repr(err)
            time.sleep(0.5)
    out({"received": len(seen), "gets": gets, "error": last_error})


def stomp_publish(port, queue, count):
    import stomp

    receipts = set()
    cond = threading.Condition()

    class Listener(stomp.ConnectionListener):
        def on_receipt(self, frame):
            with cond:
                receipts.add(frame.headers.get("receipt-id"))
                cond.notify_all()

    conn = stomp.Connection([(HOST, port)], heartbeats=(0, 0))
    conn.set_listener("r", Listener())
    conn.connect(wait=True)
    confirmed = 0
    for i in range(count):
        rid = "r%d" % i
        # A receipt on a persistent SEND comes after KahaDB has written it
        # (journalDiskSyncStrategy=always): ActiveMQ's confirmed.
        conn.send("/queue/" + queue, str(i), headers={"persistent": "true", "receipt": rid})
        with cond:
            if not cond.wait_for(lambda: rid in receipts, timeout=10):
                break
        confirmed += 1
    conn.disconnect()
    out({"confirmed": confirmed})


def stomp_drain(port, queue, timeout_s):
    import stomp

    seen = set()
    lock = threading.Lock()
    last = [time.monotonic()]

    class Listener(stomp.ConnectionListener):
        def on_message(self, frame):
            with lock:
                seen.add(frame.body)
                last[0] = time.monotonic()
            conn.ack(frame.headers["message-id"], frame.headers["subscription"])

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn = stomp.Connection([(HOST, port)], heartbeats=(0, 0))
            conn.set_listener("m", Listener())
            conn.connect(wait=True)
            break
        except Exception:
            if time.monotonic() > deadline:
                out({"received": 0, "error": "could not connect"})
                return
            time.sleep(0.5)
    conn.subscribe("/queue/" + queue, id="1", ack="client-individual")
    last[0] = time.monotonic()
    # The queue is drained once nothing has arrived for 3 s.
    while time.monotonic() - last[0] < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    conn.disconnect()
    out({"received": len(seen)})


def main(argv):
    cmd, port, queue = argv[1], int(argv[2]), argv[3]
    arg = int(argv[4])
    {
        "rmq-publish": rmq_publish,
        "rmq-drain": rmq_drain,
        "stomp-publish": stomp_publish,
        "stomp-drain": stomp_drain,
    }[cmd](port, queue, arg)


if __name__ == "__main__":
    main(sys.argv)
