/*
 * What fresh memory costs on this machine, three ways (bench/README.md, "Machine speed"):
 * maps MiB of anonymous memory, gets it ready, writes a byte per 4 KiB page, unmaps it; three
 * rounds, each printed in ms per GiB.
 *
 *   cc -O2 -o /tmp/page-touch bench/page-touch.c && /tmp/page-touch 256 touch|populate|huge
 *
 * touch:    the pages fault one by one as they are written;
 * populate: MAP_POPULATE, the kernel fills the mapping in the mmap call (timed apart);
 * huge:     madvise(MADV_HUGEPAGE) first, so a fault can bring in 2 MiB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <MiB> touch|populate|huge\n", argv[0]);
    return 64;
  }
  size_t bytes = (size_t)atoi(argv[1]) << 20;
  const char *how = argv[2];
  double per_gib = (1024.0 * 1024 * 1024) / bytes * 1000;
  for (int round = 0; round < 3; round++) {
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (strcmp(how, "populate") == 0 ? MAP_POPULATE : 0);
    double t0 = now();
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) {
      perror("mmap");
      return 1;
    }
    if (strcmp(how, "huge") == 0) madvise(p, bytes, MADV_HUGEPAGE);
    double t1 = now();
    for (size_t at = 0; at < bytes; at += 4096) p[at] = 1;
    double t2 = now();
    printf("round %d: %s %.0f ms/GiB to map, %.0f ms/GiB to touch\n", round, how,
           (t1 - t0) * per_gib, (t2 - t1) * per_gib);
    munmap(p, bytes);
  }
  return 0;
}
