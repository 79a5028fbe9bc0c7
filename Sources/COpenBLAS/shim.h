// OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h on the default include path).
#include <cblas.h>
// openblas_set_num_threads and friends are declared in cblas.h by OpenBLAS.
