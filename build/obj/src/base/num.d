build/obj/src/base/num.o: src/base/num.c src/base/base.h
src/base/base.h:
