/*
 * reaper: runs a command as a child sub-reaper and stays until every process it started has ended.
 *
 *   reaper COMMAND [ARG...]
 *
 * A daemon such as Postfix's master detaches from its starter, and when it is stopped its own children outlive
 * it for a moment. Both kinds of orphan are handed to the nearest sub-reaper instead of PID 1 (which does not
 * reap them in some containers, leaving zombies behind). So the reaper ending means no process of the command
 * is left, and the test that started it can wait for exactly that.
 *
 * The command's stdout and stderr go to the reaper's stderr. The reaper's stdout carries two lines:
 *   "exit N"  when COMMAND itself ends (N: its exit status, or 128+signal)
 *   "done"    when the last descendant has been reaped, just before the reaper exits 0.
 *
 * Build:  gcc -O2 -o reaper reaper.c
 */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: reaper COMMAND [ARG...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0) {
        perror("reaper: prctl(PR_SET_CHILD_SUBREAPER)");
        return 2;
    }
    pid_t command = fork();
    if (command < 0) {
        perror("reaper: fork");
        return 2;
    }
    if (command == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO); /* keep the status pipe to ourselves */
        execvp(argv[1], argv + 1);
        perror("reaper: exec");
        _exit(127);
    }
    for (;;) {
        int status;
        pid_t pid = wait(&status);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break; /* ECHILD: nothing left */
        }
        if (pid == command) {
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            printf("exit %d\n", code);
            fflush(stdout);
        }
    }
    printf("done\n");
    fflush(stdout);
    return 0;
}
