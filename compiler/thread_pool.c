/* The thread pool that ships with every model opt-fuse compiles.
 *
 * emit-llvm (compiler/llvm_ir.py) outlines each outermost `loop.parallel` of a kernel into a task
 * function `void task(int64_t begin, int64_t end, void *context)` that runs the iterations
 * [begin, end), and calls
 *
 *     PREFIX_parallel_for(task, context, lower, upper, step, work_per_iteration);
 *
 * which splits the loop's trip count into contiguous chunks, OPTFUSE_CHUNKS_PER_THREAD per thread
 * (so that a thread the OS delays costs little: the others take its chunks), and runs them on the
 * pool, the calling thread taking part; it returns when every chunk is done. PREFIX is the model's
 * entry name (`-DOPTFUSE_PREFIX=cnn` gives cnn_parallel_for, cnn_set_num_threads): each model has
 * its own pool, so several models link into one program without clashing symbols.
 *
 * Threads: `PREFIX_set_num_threads(n)` (default 1) is the number of threads a parallel loop runs
 * on, the caller included. With 1 thread, a trip count of 1, or less work than
 * OPTFUSE_MIN_PARALLEL_WORK (trip count times the compiler's per-iteration estimate of scalar
 * ops), the task runs directly over the whole range on the calling thread: no pool, no overhead.
 * Workers are created lazily, by the first loop that needs them, and live as long as the process;
 * lowering the count leaves the extra ones out of the next loops (they wake, and sleep again).
 *
 * No oversubscription: one parallel loop runs on the pool at a time. A parallel loop entered while
 * another one runs (from inside a task, or from another thread calling the model concurrently)
 * runs sequentially on its own thread.
 *
 * Synchronisation: the current job is published through one 64-bit `ticket`, (generation << 32 |
 * chunks not yet claimed). A thread claims a chunk with a compare-and-swap that keeps the
 * generation, so a late worker can never claim a chunk of a job other than the one it saw; the job's
 * fields stay unchanged while any of its chunks is unfinished (the caller waits for `chunks_left`
 * to reach 0). Idle workers spin for up to OPTFUSE_SPIN_NS (50 ms), then sleep on a condition
 * variable; the caller, waiting for the last chunks, likewise. The spin is long because a sleeping
 * worker is slow to come back on a VM: the conv-bn-clip benchmark graph (2.2 ms on one thread)
 * ran in 1.2 ms on two threads back to back, but in 2.5 ms on two when each run followed 100 ms of
 * idleness and the workers spun 0.5 ms (1.5 ms with 10 ms, 1.2 ms with 50 ms). onnxruntime's
 * workers spin likewise by default (some 30-40 ms on the same machine).
 *
 * Portability: no header is included, so this file compiles for any target a clang supports
 * without a sysroot (the aarch64 shared library is built with -nostdlib). The pthread functions
 * are declared here; their objects live in opaque storage larger and more aligned than glibc's or
 * musl's types on x86_64 and aarch64, initialised with pthread_mutex_init / pthread_cond_init. The
 * atomics are the compiler's __atomic builtins.
 */

#ifndef OPTFUSE_PREFIX
#define OPTFUSE_PREFIX optfuse
#endif
#define OPTFUSE_CAT2(a, b) a##_##b
#define OPTFUSE_CAT(a, b) OPTFUSE_CAT2(a, b)
#define OPTFUSE_NAME(name) OPTFUSE_CAT(OPTFUSE_PREFIX, name)

#define OPTFUSE_MAX_THREADS 256 /* compiler/runtime.py: MAX_THREADS */
#ifndef OPTFUSE_MIN_PARALLEL_WORK /* tunable with -D: below this many estimated ops a loop stays on its caller */
#define OPTFUSE_MIN_PARALLEL_WORK 32768
#endif
#define OPTFUSE_CHUNKS_PER_THREAD 4
#ifndef OPTFUSE_SPIN_NS /* tunable with -D: how long an idle thread spins before it sleeps */
#define OPTFUSE_SPIN_NS 50000000LL
#endif

typedef long long i64;
typedef unsigned long long u64;
typedef void (*optfuse_task)(i64 begin, i64 end, void *context);

typedef union {
    unsigned char bytes[128];
    long double align_;
} optfuse_opaque; /* pthread_mutex_t / pthread_cond_t: 40-64 bytes in glibc and musl */

int pthread_create(void *thread, const void *attr, void *(*start)(void *), void *arg);
int pthread_detach(unsigned long thread);
int pthread_mutex_init(void *mutex, const void *attr);
int pthread_mutex_lock(void *mutex);
int pthread_mutex_unlock(void *mutex);
int pthread_cond_init(void *cond, const void *attr);
int pthread_cond_wait(void *cond, void *mutex);
int pthread_cond_broadcast(void *cond);

typedef struct {
    i64 seconds;
    long nanoseconds;
} optfuse_timespec; /* struct timespec on 64-bit Linux (glibc and musl) */
int clock_gettime(int clock, optfuse_timespec *now);
#define OPTFUSE_CLOCK_MONOTONIC 1 /* Linux's CLOCK_MONOTONIC, on every architecture */

static int requested_threads = 1; /* atomic */
static int busy;                  /* atomic: 1 while a parallel loop runs on the pool */
static int workers;               /* workers started (only the thread holding `busy` changes it) */
static unsigned generation;       /* the last job's generation (only the thread holding `busy` changes it) */
static optfuse_opaque lock, wake, done;

static u64 ticket;      /* atomic: generation << 32 | chunks not yet claimed */
static int helpers;     /* atomic: workers 0 .. helpers-1 take part in the current job */
static i64 chunks_left; /* atomic: chunks of the current job not yet finished */
static int sleepers;    /* atomic: workers waiting on `wake` */

/* The current job: written by the caller before it publishes the ticket. */
static optfuse_task job_task;
static void *job_context;
static i64 job_lower, job_upper, job_step, job_trips, job_chunks;

__attribute__((visibility("default"))) void OPTFUSE_NAME(set_num_threads)(int threads) {
    if (threads < 1) threads = 1;
    if (threads > OPTFUSE_MAX_THREADS) threads = OPTFUSE_MAX_THREADS;
    __atomic_store_n(&requested_threads, threads, __ATOMIC_RELAXED);
}

__attribute__((visibility("default"))) int OPTFUSE_NAME(get_num_threads)(void) {
    return __atomic_load_n(&requested_threads, __ATOMIC_RELAXED);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static i64 now_ns(void) {
    optfuse_timespec now;
    clock_gettime(OPTFUSE_CLOCK_MONOTONIC, &now);
    return now.seconds * 1000000000LL + now.nanoseconds;
}

/* Whether a thread spinning until `deadline` (now_ns) should stop and sleep; reads the clock on
   every 64th spin only. */
static int spun_enough(unsigned spin, i64 deadline) {
    return spin % 64 == 0 && now_ns() > deadline;
}

/* Claim and run chunks of job `gen` until none is left to claim. */
static void run_chunks(unsigned gen) {
    for (;;) {
        u64 seen = __atomic_load_n(&ticket, __ATOMIC_ACQUIRE);
        do {
            if ((unsigned)(seen >> 32) != gen || (seen & 0xffffffffu) == 0) return;
        } while (!__atomic_compare_exchange_n(&ticket, &seen, seen - 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
        i64 chunk = (i64)(seen & 0xffffffffu) - 1;
        i64 first = chunk * job_trips / job_chunks, last = (chunk + 1) * job_trips / job_chunks;
        i64 end = last == job_trips ? job_upper : job_lower + last * job_step;
        job_task(job_lower + first * job_step, end, job_context);
        if (__atomic_sub_fetch(&chunks_left, 1, __ATOMIC_ACQ_REL) == 0) {
            pthread_mutex_lock(&lock);
            pthread_cond_broadcast(&done);
            pthread_mutex_unlock(&lock);
        }
    }
}

static void *worker(void *start) {
    int id = (int)((u64)start >> 32);
    unsigned seen = (unsigned)(u64)start; /* the generation before the job that started this worker */
    for (;;) {
        unsigned gen = seen;
        i64 deadline = now_ns() + OPTFUSE_SPIN_NS;
        for (unsigned spin = 1; gen == seen && !spun_enough(spin, deadline); ++spin) {
            cpu_relax();
            gen = (unsigned)(__atomic_load_n(&ticket, __ATOMIC_ACQUIRE) >> 32);
        }
        if (gen == seen) {
            pthread_mutex_lock(&lock);
            __atomic_add_fetch(&sleepers, 1, __ATOMIC_SEQ_CST);
            while ((gen = (unsigned)(__atomic_load_n(&ticket, __ATOMIC_SEQ_CST) >> 32)) == seen)
                pthread_cond_wait(&wake, &lock);
            __atomic_sub_fetch(&sleepers, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&lock);
        }
        seen = gen;
        if (id < __atomic_load_n(&helpers, __ATOMIC_ACQUIRE)) run_chunks(gen); /* else: not needed this time */
    }
    return 0;
}

/* Start workers until `wanted` run (called holding `busy`); returns how many there are (more than
   `wanted` if an earlier loop wanted more; fewer if the system refuses a thread). */
static int start_workers(int wanted) {
    if (workers == 0) {
        pthread_mutex_init(&lock, 0);
        pthread_cond_init(&wake, 0);
        pthread_cond_init(&done, 0);
    }
    while (workers < wanted) {
        unsigned long thread = 0;
        if (pthread_create(&thread, 0, worker, (void *)((u64)workers << 32 | generation)) != 0) break;
        pthread_detach(thread);
        ++workers;
    }
    return workers;
}

__attribute__((visibility("hidden"))) void OPTFUSE_NAME(parallel_for)(
    optfuse_task task, void *context, i64 lower, i64 upper, i64 step, i64 work_per_iteration) {
    if (upper <= lower) return;
    i64 trips = (upper - lower + step - 1) / step;
    i64 threads = __atomic_load_n(&requested_threads, __ATOMIC_RELAXED);
    if (threads > trips) threads = trips;
    i64 work = work_per_iteration > 0 ? work_per_iteration : 1;
    if (threads <= 1 || trips < (OPTFUSE_MIN_PARALLEL_WORK + work - 1) / work ||
        __atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE)) {
        task(lower, upper, context); /* sequential: one thread, little work, or nested in a running loop */
        return;
    }
    int started = start_workers((int)threads - 1); /* more than asked when an earlier loop wanted more */
    if (started + 1 < threads) threads = started + 1;
    if (threads > 1) {
        i64 chunks = threads * OPTFUSE_CHUNKS_PER_THREAD < trips ? threads * OPTFUSE_CHUNKS_PER_THREAD : trips;
        job_task = task, job_context = context;
        job_lower = lower, job_upper = upper, job_step = step, job_trips = trips, job_chunks = chunks;
        __atomic_store_n(&chunks_left, chunks, __ATOMIC_RELAXED);
        __atomic_store_n(&helpers, (int)threads - 1, __ATOMIC_RELEASE);
        unsigned gen = ++generation;
        __atomic_store_n(&ticket, (u64)gen << 32 | (u64)chunks, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&sleepers, __ATOMIC_SEQ_CST) > 0) {
            pthread_mutex_lock(&lock);
            pthread_cond_broadcast(&wake);
            pthread_mutex_unlock(&lock);
        }
        run_chunks(gen);
        i64 deadline = now_ns() + OPTFUSE_SPIN_NS;
        for (unsigned spin = 1; __atomic_load_n(&chunks_left, __ATOMIC_ACQUIRE) != 0 && !spun_enough(spin, deadline); ++spin)
            cpu_relax();
        if (__atomic_load_n(&chunks_left, __ATOMIC_ACQUIRE) != 0) {
            pthread_mutex_lock(&lock);
            while (__atomic_load_n(&chunks_left, __ATOMIC_ACQUIRE) != 0) pthread_cond_wait(&done, &lock);
            pthread_mutex_unlock(&lock);
        }
    } else {
        task(lower, upper, context); /* no worker could be started */
    }
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}
