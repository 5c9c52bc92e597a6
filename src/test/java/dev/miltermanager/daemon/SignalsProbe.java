package dev.miltermanager.daemon;

import java.util.concurrent.CountDownLatch;

/** A process for {@link SignalsTest}: prints "reload" on SIGHUP, "stop" on SIGTERM/SIGINT, then exits 0. */
final class SignalsProbe {
    private SignalsProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        boolean installed = Signals.install(() -> System.out.println("reload"), () -> {
            System.out.println("stop");
            stop.countDown();
        });
        System.out.println(installed ? "ready" : "not installed");
        System.out.flush();
        stop.await();
        System.out.println("exiting");
    }
}
