/*
 * minimal: the smallest real program (crt0, start-up, picolibc, the
 * process environment), for the spawn_exit_wait benchmark: it exits at
 * once with status 0.
 */
int main(void)
{
    return 0;
}
