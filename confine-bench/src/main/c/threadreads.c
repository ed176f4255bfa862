/*
 * The kernel's floor per thread for what apply() reads of every thread (issue 28): with N extra
 * sleeping threads, times (a) openat(taskfd, "TID/status") + read + close, (b) statx of TID/root
 * and TID/cwd with STATX_MNT_ID, (c) the getdents64 listing of /proc/self/task; each over all
 * threads, several rounds, the median round divided by the thread count, and the first round
 * alone (the one apply() meets: each thread's /proc entries looked up for the first time).
 *   gcc -O2 -Wall -pthread -o threadreads threadreads.c && ./threadreads [seccomp] 10 100 1000 4000
 * Each count in a fresh process (it forks), so that the threads of one do not weigh on the next.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif

static void *sleeper(void *arg) { (void) arg; for (;;) pause(); return NULL; }

static long long now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  long long x = *(const long long *) a, y = *(const long long *) b;
  return x < y ? -1 : x > y;
}

#define ROUNDS 9
static char dents[1 << 16];
static int tids[70000];

static int list(int fd) {
  int n = 0;
  lseek(fd, 0, SEEK_SET);
  for (long got; (got = syscall(SYS_getdents64, fd, dents, sizeof dents)) > 0;) {
    for (long at = 0; at < got;) {
      struct { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; } *d = (void *) (dents + at);
      if (d->name[0] >= '0' && d->name[0] <= '9') tids[n++] = atoi(d->name);
      at += d->reclen;
    }
  }
  return n;
}

/*
 * With "seccomp" first: an allow-all filter in every thread (TSYNC) before the rounds, as the
 * verification runs after confine's filters; the kernel then turns on its speculation mitigations
 * for the process (Speculation_Store_Bypass "thread force mitigated"), unless SPEC_ALLOW is asked.
 */
static int filtered;

static void allowAll(void) {
  struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog program = {1, allow};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
      || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program) != 0) {
    perror("seccomp");
    exit(1);
  }
}

static void run(int extra) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  for (int i = 0; i < extra; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, sleeper, NULL) != 0) { perror("pthread_create"); exit(1); }
  }
  usleep(200000);
  if (filtered) allowAll();
  int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  long long ls[ROUNDS], st[ROUNDS], vw[ROUNDS], first[3] = {0, 0, 0};
  char path[64], buf[4096];
  int n = 0;
  for (int r = 0; r < ROUNDS; r++) {
    long long t0 = now();
    n = list(fd);
    long long t1 = now();
    for (int i = 0; i < n; i++) {
      snprintf(path, sizeof path, "%d/status", tids[i]);
      int s = openat(fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (s < 0) continue;
      while (read(s, buf, sizeof buf) > 0) {}
      close(s);
    }
    long long t2 = now();
    struct statx sx;
    for (int i = 0; i < n; i++) {
      snprintf(path, sizeof path, "%d/root", tids[i]);
      statx(fd, path, 0, STATX_BASIC_STATS | STATX_MNT_ID, &sx);
      snprintf(path, sizeof path, "%d/cwd", tids[i]);
      statx(fd, path, 0, STATX_BASIC_STATS | STATX_MNT_ID, &sx);
    }
    long long t3 = now();
    ls[r] = t1 - t0; st[r] = t2 - t1; vw[r] = t3 - t2;
    if (r == 0) { first[0] = ls[0]; first[1] = st[0]; first[2] = vw[0]; }
  }
  qsort(ls, ROUNDS, sizeof *ls, cmp); qsort(st, ROUNDS, sizeof *st, cmp); qsort(vw, ROUNDS, sizeof *vw, cmp);
  printf("extra %d threads %d: status %.2f us/thread (%.1f us all), root+cwd statx %.2f us/thread (%.1f us), listing %.3f us/thread (%.1f us)\n",
      extra, n, st[ROUNDS / 2] / 1e3 / n, st[ROUNDS / 2] / 1e3, vw[ROUNDS / 2] / 1e3 / n, vw[ROUNDS / 2] / 1e3,
      ls[ROUNDS / 2] / 1e3 / n, ls[ROUNDS / 2] / 1e3);
  /* The first round is the one apply() meets: the threads' /proc entries not yet looked up. */
  printf("  first round: status %.2f us/thread, root+cwd %.2f, listing %.3f\n", first[1] / 1e3 / n, first[2] / 1e3 / n, first[0] / 1e3 / n);
  fflush(stdout);
}

int main(int argc, char **argv) {
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "seccomp") == 0) {
    filtered = 1;
    first = 2;
  }
  printf("%s\n", filtered ? "with an allow-all seccomp filter in every thread" : "no seccomp filter");
  fflush(stdout);
  for (int i = first; i < argc; i++) {
    pid_t p = fork();
    if (p == 0) { run(atoi(argv[i])); _exit(0); }
    waitpid(p, NULL, 0);
  }
  return 0;
}
