/* cli.h - the command line shared by the heff and fit programs:
 *   PROGRAM [--resume] [--quiet] FILE.yaml
 * Program-level code (it prints), included by the mains only. */
#ifndef HF_CLI_H
#define HF_CLI_H

#include <stdio.h>
#include <string.h>

/* Returns -1 to go on (path, resume, quiet set), else the exit status. */
static inline int hf_cli_parse(int argc, char **argv, const char *prog, void (*usage)(FILE *),
                               int *resume, int *quiet, const char **path) {
  *resume = *quiet = 0;
  *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--resume")) {
      *resume = 1;
    } else if (!strcmp(argv[i], "--quiet")) {
      *quiet = 1;
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' || *path) {
      fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[i]);
      usage(stderr);
      return 2;
    } else {
      *path = argv[i];
    }
  }
  if (!*path) {
    usage(stderr);
    return 2;
  }
  return -1;
}

#endif
