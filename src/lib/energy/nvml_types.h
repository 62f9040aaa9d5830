/*
 * nvml_types.h - our own declarations of the few NVML types, constants and function signatures
 * the NVML meter uses (and the test fake implements), equivalent to NVIDIA's nvml.h for these
 * entries, so that nothing of NVIDIA's is needed at build time. The library is dlopen'ed.
 */
#ifndef CT_ENERGY_NVML_TYPES_H
#define CT_ENERGY_NVML_TYPES_H

typedef struct nvmlDevice_st *nvmlDevice_t; /* opaque */
typedef int nvmlReturn_t;                   /* an int-sized enum on SysV x86-64 and aarch64 */

/* Return codes used by name (nvml.h's nvmlReturn_t). */
#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_NO_PERMISSION 4
#define NVML_ERROR_NOT_FOUND 6
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_DRIVER_NOT_LOADED 9
#define NVML_ERROR_TIMEOUT 10
#define NVML_ERROR_LIBRARY_NOT_FOUND 12
#define NVML_ERROR_FUNCTION_NOT_FOUND 13
#define NVML_ERROR_GPU_IS_LOST 15
#define NVML_ERROR_LIB_RM_VERSION_MISMATCH 18
#define NVML_ERROR_UNKNOWN 999

/* Buffer sizes (the _V2 sizes are the larger, current ones). */
#define NVML_DEVICE_NAME_V2_BUFFER_SIZE 96
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE 96
#define NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE 80

#define NVML_DEVICE_MIG_DISABLE 0
#define NVML_DEVICE_MIG_ENABLE 1

/* Element of the unversioned nvmlDeviceGet{Compute,Graphics}RunningProcesses (16 bytes). */
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;

/* Element of the _v2 and _v3 entry points (24 bytes): the driver fills this layout for both. */
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory; /* bytes */
    unsigned int gpuInstanceId;       /* 0xFFFFFFFF when MIG is disabled */
    unsigned int computeInstanceId;   /* 0xFFFFFFFF when MIG is disabled */
} nvmlProcessInfo_v2_t;

/* Function signatures, one typedef per shape. */
typedef nvmlReturn_t (*nvml_void_fn)(void);                           /* Init, Shutdown */
typedef const char *(*nvml_error_string_fn)(nvmlReturn_t);            /* ErrorString */
typedef nvmlReturn_t (*nvml_str_fn)(char *, unsigned int);            /* SystemGetDriverVersion */
typedef nvmlReturn_t (*nvml_count_fn)(unsigned int *);                /* DeviceGetCount */
typedef nvmlReturn_t (*nvml_handle_fn)(unsigned int, nvmlDevice_t *); /* GetHandleByIndex */
typedef nvmlReturn_t (*nvml_handle_by_uuid_fn)(const char *, nvmlDevice_t *);
typedef nvmlReturn_t (*nvml_dev_str_fn)(nvmlDevice_t, char *, unsigned int); /* Name, UUID */
typedef nvmlReturn_t (*nvml_dev_uint_fn)(nvmlDevice_t, unsigned int *);      /* Index, PowerUsage */
typedef nvmlReturn_t (*nvml_dev_ull_fn)(nvmlDevice_t, unsigned long long *); /* TotalEnergy */
typedef nvmlReturn_t (*nvml_procs_fn)(nvmlDevice_t, unsigned int *, void *); /* Running procs */
typedef nvmlReturn_t (*nvml_mig_mode_fn)(nvmlDevice_t, unsigned int *, unsigned int *);
typedef nvmlReturn_t (*nvml_mig_handle_fn)(nvmlDevice_t, unsigned int, nvmlDevice_t *);
typedef nvmlReturn_t (*nvml_mig_parent_fn)(nvmlDevice_t, nvmlDevice_t *);

#endif
