/* testfile.h - small file helpers shared by the tests. */
#ifndef HF_TESTFILE_H
#define HF_TESTFILE_H

/* The whole file as a NUL-terminated string (caller frees), or NULL. */
char *testfile_read(const char *path);

#endif
