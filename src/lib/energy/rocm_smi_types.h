/*
 * rocm_smi_types.h - our own declarations of the few ROCm SMI types, status codes and function
 * signatures the rocm-smi meter uses (and the test fake implements), equivalent to AMD's
 * rocm_smi/rocm_smi.h for these entries, so nothing of AMD's is needed at build time. The names
 * differ from the real header's so that tests/unit/test_rocm_smi_header.c can include both and
 * check each signature against it.
 */
#ifndef CT_ENERGY_ROCM_SMI_TYPES_H
#define CT_ENERGY_ROCM_SMI_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* rsmi_status_t: an enum whose largest member is 0xFFFFFFFF, so an unsigned int. */
typedef uint32_t ct_rsmi_status;

#define CT_RSMI_SUCCESS 0u
#define CT_RSMI_INVALID_ARGS 1u
#define CT_RSMI_NOT_SUPPORTED 2u
#define CT_RSMI_FILE_ERROR 3u
#define CT_RSMI_PERMISSION 4u
#define CT_RSMI_INIT_ERROR 8u
#define CT_RSMI_NOT_YET_IMPLEMENTED 9u
#define CT_RSMI_NOT_FOUND 10u
#define CT_RSMI_INSUFFICIENT_SIZE 11u
#define CT_RSMI_UNKNOWN_ERROR 0xFFFFFFFFu

/* Function signatures (rocm_smi.h 5.2.3). */
typedef ct_rsmi_status (*ct_rsmi_init_fn)(uint64_t init_flags);  /* rsmi_init */
typedef ct_rsmi_status (*ct_rsmi_shut_down_fn)(void);            /* rsmi_shut_down */
typedef ct_rsmi_status (*ct_rsmi_num_devices_fn)(uint32_t *num); /* rsmi_num_monitor_devices */
typedef ct_rsmi_status (*ct_rsmi_status_string_fn)(ct_rsmi_status, const char **);
typedef ct_rsmi_status (*ct_rsmi_dev_name_fn)(uint32_t dv_ind, char *name, size_t len);
typedef ct_rsmi_status (*ct_rsmi_dev_u64_fn)(uint32_t dv_ind, uint64_t *value); /* unique id, BDF */
/* rsmi_dev_power_ave_get: µW, sensor 0 */
typedef ct_rsmi_status (*ct_rsmi_power_ave_fn)(uint32_t dv_ind, uint32_t sensor_ind,
                                               uint64_t *power_uw);
/* rsmi_dev_energy_count_get: an accumulator count; µJ = count x resolution; timestamp in ns */
typedef ct_rsmi_status (*ct_rsmi_energy_count_fn)(uint32_t dv_ind, uint64_t *count,
                                                  float *resolution_uj, uint64_t *timestamp_ns);
/* rsmi_compute_process_gpus_get: the device indices a process (pid) runs on */
typedef ct_rsmi_status (*ct_rsmi_process_gpus_fn)(uint32_t pid, uint32_t *dv_indices,
                                                  uint32_t *num_devices);

#endif
