/*
 * vmqos guest UDP echo responder. Usage: udp_echo [port]  (default 7)
 * Binds 0.0.0.0:port and sends every datagram straight back to its sender.
 * Prints "VMQOS-GUEST-READY port=N" on stdout (the serial console) once the socket is bound.
 * Built by io.vmqos.lab.GuestImageBuilder with gcc -O2 -static.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

    static char data[65536];
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, data, sizeof data, 0, (struct sockaddr *) &peer, &len);
        if (n < 0) continue;
        sendto(fd, data, (size_t) n, 0, (struct sockaddr *) &peer, len);
    }
}
