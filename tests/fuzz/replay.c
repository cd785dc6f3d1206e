/*
 * replay.c - a main() for a fuzz target without libFuzzer: runs the
 * target's LLVMFuzzerTestOneInput once on every file named on the command
 * line, or on every file in a directory named there (in name order,
 * skipping dot files such as .gitkeep). Any compiler builds it, so the
 * normal and ASan builds replay each seed and each input that once crashed
 * the target (tests/fuzz/CMakeLists.txt); a crash aborts as it did under
 * the fuzzer, with the file's name printed first.
 *
 * Each input is read into an allocation of exactly its size, so ASan
 * catches a read one byte past it. Exits 1 if a path cannot be read or
 * nothing at all was replayed.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *data;

    if (f == NULL || fstat(fileno(f), &st) != 0) {
        perror(path);
        goto fail_open;
    }
    data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (data == NULL || fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        fprintf(stderr, "%s: cannot read\n", path);
        goto fail_read;
    }
    fclose(f);
    fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(data, (size_t)st.st_size);
    free(data);
    return 0;

fail_read:
    free(data);
fail_open:
    if (f != NULL)
        fclose(f);
    return -1;
}

static int not_hidden(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Replays every file of dir; returns how many, or -1. */
static int replay_dir(const char *dir)
{
    struct dirent **names;
    char path[4096];
    int n = scandir(dir, &names, not_hidden, alphasort), done = 0;

    if (n < 0) {
        perror(dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (done >= 0)
            done = replay_file(path) == 0 ? done + 1 : -1;
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    int total = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            n = replay_dir(argv[i]);
        else
            n = replay_file(argv[i]) == 0 ? 1 : -1;
        if (n < 0)
            return 1;
        total += n;
    }
    fprintf(stderr, "replay: %d inputs, no crash\n", total);
    return total > 0 ? 0 : 1;
}
