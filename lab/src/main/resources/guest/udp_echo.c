/*
 * vmqos guest UDP echo responder. Usage: udp_echo [port]  (default 7)
 * Binds 0.0.0.0:port and sends every datagram straight back to its sender.
 * Prints "VMQOS-GUEST-READY port=N" on stdout (the serial console) once the socket is bound.
 * A datagram "VMQOS-SPIN <ms>" (echoed too) also starts a child that spins on the vCPU for that many milliseconds:
 * the lab's runaway guest (the reclaim ceiling tests).
 * Built by io.vmqos.lab.GuestImageBuilder with gcc -O2 -static.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void spin(long ms) {
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++) x += (unsigned long) i;
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000L + (t.tv_nsec - t0.tv_nsec) / 1000000L < ms);
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 7;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "udp_echo: bad port %s\n", argv[1]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("udp_echo: socket"); return 1; }
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((unsigned short) port);
    if (bind(fd, (struct sockaddr *) &addr, sizeof addr) < 0) { perror("udp_echo: bind"); return 1; }
    printf("VMQOS-GUEST-READY port=%d\n", port);
    fflush(stdout);

    signal(SIGCHLD, SIG_IGN); /* spinners are reaped by the kernel */
    static char data[65536];
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, data, sizeof data, 0, (struct sockaddr *) &peer, &len);
        if (n < 0) continue;
        if (n > 11 && n < 64 && memcmp(data, "VMQOS-SPIN ", 11) == 0) {
            char ms[64];
            memcpy(ms, data + 11, (size_t) n - 11);
            ms[n - 11] = 0;
            long d = atol(ms);
            if (d > 0 && d <= 600000 && fork() == 0) { spin(d); _exit(0); }
        }
        sendto(fd, data, (size_t) n, 0, (struct sockaddr *) &peer, len);
    }
}
