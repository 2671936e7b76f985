int main(void) { return 0; } /* replaced by the service wiring in the next commit */
