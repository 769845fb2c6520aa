build/obj/tests/unit/base/test_time.o: tests/unit/base/test_time.c \
 src/base/base.h tests/test.h
src/base/base.h:
tests/test.h:
