/* check_child.c: placeholder until the tests of child are written; skips. */
int main(void);
int main(void) { return 77; }
