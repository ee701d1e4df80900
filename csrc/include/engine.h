/* Native engine: version and CPU features (cffi cdef: plain declarations only). */
int vn_version(void);
