/**
 * Deterministic generator of complete, mutually consistent retail-import flows (9610 直购 and
 * 1210 网购保税): one order (CEB311), payment (CEB411), waybill (CEB511) and inventory (CEB621)
 * record each, satisfying the XSD and the 三单比对 / tax rules of spec §2.3–2.6 and §5.
 * Used by the benchmark, by tests and by the demo zone. Same seed ⇒ same flow (dates aside:
 * they follow `now`).
 */
import { createHash } from 'node:crypto';
import { MESSAGES, buildDocument } from '../ceb/index.ts';
import type { CebNode } from '../ceb/index.ts';
import { cstDate, cstTime14 } from '../platform/time.ts';

export interface Party {
  code: string;
  name: string;
  dxpId: string;
}

export interface Parties {
  ebp: Party;
  ebc: Party;
  payment: Party;
  logistics: Party;
  agent: Party;
  warehouse: Party;
}

export interface FlowOptions {
  mode: '9610' | '1210';
  seed?: number;
  /** Order lines, 1..5 (default: 1–3 drawn from the seed). */
  lines?: number;
  /** Start of orderNo (default `YG`); orderNo = prefix + YYYYMMDD + 12-digit serial. The sandbox customs picks its scenario by it (`REJECT`, `NEG`, `REVIEW`…). */
  orderNoPrefix?: string;
  now?: Date;
  /** 12-digit serial making orderNo / logisticsNo / copNo / payTransactionId unique (default: drawn from the seed). */
  serial?: number;
  /** Bonded account book of the warehouse (1210), default T2924W000123. */
  emsNo?: string;
}

export interface Flow {
  orderNo: string;
  logisticsNo: string;
  copNo: string;
  payTransactionId: string;
  order: CebNode;
  payment: CebNode;
  waybill: CebNode;
  inventory: CebNode;
}

export type ImportRoot = 'CEB311Message' | 'CEB411Message' | 'CEB511Message' | 'CEB621Message';

const party = (code: string, name: string, dxpId: string): Party => ({ code, name, dxpId });

/** The demo zone's enterprises (the platform seeds the same codes and DXP ids). */
export const DEMO_PARTIES: Parties = {
  ebp: party('3301964J31', '杭州云购跨境电子商务平台有限公司', 'DXPENT0000011001'),
  ebc: party('3301966A01', '杭州海淘优选贸易有限公司', 'DXPENT0000011002'),
  payment: party('3122260001', '连连跨境支付有限公司', 'DXPENT0000011003'),
  logistics: party('3301980L01', '杭州顺达国际物流有限公司', 'DXPENT0000011004'),
  warehouse: party('3301W60001', '杭州下沙保税物流中心仓储有限公司', 'DXPENT0000011005'),
  agent: party('3301980A02', '杭州关通报关代理有限公司', 'DXPENT0000011006'),
};

export const DEMO_EMS_NO = 'T2924W000123';
/** 杭州 cross-border e-commerce site (申报海关 / 口岸海关). */
const CUSTOMS_CODE = '2924';

/**
 * A ds:Signature of the shape customs expects (copied from the official samples), NOT a valid
 * signature of anything: lets unsigned demo/bench messages pass the XSD, where CEB621 requires one.
 */
export const PLACEHOLDER_SIGNATURE = [
  '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">',
  '<ds:SignedInfo>',
  '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></ds:CanonicalizationMethod>',
  '<ds:SignatureMethod Algorithm="http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3"></ds:SignatureMethod>',
  '<ds:Reference URI="">',
  '<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform></ds:Transforms>',
  '<ds:DigestMethod Algorithm="http://www.chinaport.gov.cn/2022/04/xmldsig#sm3"></ds:DigestMethod>',
  '<ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue>',
  '</ds:Reference>',
  '</ds:SignedInfo>',
  '<ds:SignatureValue>UExBQ0VIT0xERVIgLSBub3QgYSBzaWduYXR1cmU=</ds:SignatureValue>',
  '<ds:KeyInfo><ds:KeyName>00000000</ds:KeyName><ds:X509Data><ds:X509Certificate>UExBQ0VIT0xERVI=</ds:X509Certificate></ds:X509Data></ds:KeyInfo>',
  '</ds:Signature>',
].join('\n');

// ---------------------------------------------------------------------------------------------
// Reference data

/** GB/T 2260 district, for addresses, consigneeDistrict and ID-number prefixes. */
interface District {
  code: string;
  place: string; // province + city + district as written in an address
  streets: string[];
}
const d = (code: string, place: string, streets: string): District => ({ code, place, streets: streets.split(' ') });
const DISTRICTS: District[] = [
  d('330106', '浙江省杭州市西湖区', '文三路 天目山路 古墩路 文一路'),
  d('330108', '浙江省杭州市滨江区', '江南大道 滨盛路 长河路 江虹路'),
  d('330110', '浙江省杭州市余杭区', '文一西路 五常大道 良睦路'),
  d('330203', '浙江省宁波市海曙区', '中山西路 解放南路 望春路'),
  d('310115', '上海市浦东新区', '张杨路 世纪大道 锦绣路 杨高中路'),
  d('310104', '上海市徐汇区', '漕溪北路 肇嘉浜路 宜山路'),
  d('110105', '北京市朝阳区', '建国路 望京街 朝阳北路 酒仙桥路'),
  d('110108', '北京市海淀区', '中关村大街 学院路 西三环北路'),
  d('440305', '广东省深圳市南山区', '南海大道 深南大道 科苑路'),
  d('440106', '广东省广州市天河区', '天河路 体育西路 黄埔大道西'),
  d('320106', '江苏省南京市鼓楼区', '中山北路 湖南路 草场门大街'),
  d('320508', '江苏省苏州市姑苏区', '人民路 干将西路 十全街'),
  d('510107', '四川省成都市武侯区', '人民南路四段 科华北路 武侯大道'),
  d('420106', '湖北省武汉市武昌区', '中南路 中北路 徐东大街'),
  d('350203', '福建省厦门市思明区', '湖滨南路 厦禾路 莲前西路'),
  d('370212', '山东省青岛市崂山区', '香港东路 海尔路 松岭路'),
  d('500105', '重庆市江北区', '建新北路 洋河北路 北滨一路'),
  d('610113', '陕西省西安市雁塔区', '小寨西路 科技路 雁塔北路'),
];
const COMMUNITIES = '阳光花园 翠苑一区 金色家园 锦绣华庭 西溪诚园 滨江花园 世纪新城 香樟苑 和平里小区 万科城 绿城桂花园 融创御园'.split(' ');
const SURNAMES = '王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 沈 叶 蒋 潘'.split(' ');
const MALE_NAMES = '伟 强 磊 军 洋 勇 杰 涛 浩然 子轩 宇航 俊杰 建华 志强 文博 晨阳 明远 思源 嘉豪 一鸣'.split(' ');
const FEMALE_NAMES = '芳 娜 敏 静 丽 婷 雪 琳 欣怡 梓涵 诗琪 雨萱 佳怡 晓燕 秀英 慧敏 思雨 梦瑶 若曦 婉清'.split(' ');
const MOBILE_PREFIXES = '130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 177 180 182 183 185 186 187 188 189 199'.split(' ');

/** Flights by shipping country: [flight number, 3-digit AWB airline prefix]. */
const FLIGHTS: Record<string, Array<[string, string]>> = {
  '116': [['NH929', '205'], ['JL881', '131'], ['CA168', '999']],
  '133': [['KE169', '180'], ['OZ359', '988']],
  '502': [['CA988', '999'], ['UA857', '016']],
  '303': [['CA938', '999'], ['BA169', '125']],
  '305': [['AF116', '057'], ['CA934', '999']],
  '601': [['QF129', '081'], ['MU736', '781']],
  '609': [['NZ289', '086'], ['CZ306', '784']],
  '304': [['LH728', '020'], ['CA966', '999']],
};

interface Product {
  sku: string; // ≤ 20 (inventory itemNo)
  name: string;
  gmodel: string;
  hs: string;
  unit: string;
  /** Legal unit; 035 ⇒ qty1 is the net weight in kg, otherwise qty1 = qty. */
  unit1: string;
  /** Second legal unit 035 (kg), for goods whose first legal unit is a count. */
  unit2?: string;
  netG: number; // grams per unit
  grossG: number;
  min: number; // price range, yuan
  max: number;
  origin: string;
  /** High-end cosmetics / perfume (all ≥ 10 元/ml): consumption tax 15 %. */
  ct: boolean;
  ean: string; // 12 digits, check digit appended below
}
const p = (sku: string, name: string, gmodel: string, hs: string, units: string, netG: number, grossG: number, min: number, max: number, origin: string, ean: string): Product => {
  const [unit, unit1, unit2] = units.split('/');
  return { sku, name, gmodel, hs, unit, unit1, unit2, netG, grossG, min, max, origin, ct: hs.startsWith('3303') || hs.startsWith('3304'), ean };
};
const PRODUCTS: Product[] = [
  p('JP-MEIJI-S1-800', '明治婴幼儿配方奶粉1段', '婴幼儿配方奶粉|明治Meiji|800克/罐|0-1岁|成分:乳糖、脱脂乳、植物油、乳清蛋白', '1901101000', '122/035', 800, 980, 189, 229, '116', '490210512403'),
  p('JP-KAO-DPR-L54', '花王妙而舒婴儿纸尿裤L码', '婴儿纸尿裤|花王Merries|L码54片/包|9-14kg|材质:无纺布、高分子吸水树脂', '9619001100', '125/035', 1400, 1560, 109, 139, '116', '490130191744'),
  p('JP-SK2-GENOP-30', 'SK-II小灯泡精华液', '护肤精华液|SK-II|30ml/瓶|成分:半乳糖酵母样菌发酵产物滤液、烟酰胺', '3304990099', '142/035', 80, 160, 560, 690, '116', '497959212005'),
  p('JP-SSD-ULT-50', '资生堂红妍肌活精华露', '护肤精华露|资生堂SHISEIDO|50ml/瓶|成分:水、甘油、丁二醇、人参根提取物', '3304990099', '142/035', 110, 190, 690, 790, '116', '490940196412'),
  p('JP-DHC-VC-120', 'DHC维生素C片', '膳食补充剂|DHC|120粒/袋|每粒含维生素C 500mg|成人每日2粒', '2106909090', '125/035', 60, 80, 25, 39, '116', '451151815060'),
  p('KR-SWS-EYE-25', '雪花秀滋盈肌本眼霜', '眼霜|雪花秀Sulwhasoo|25ml/瓶|成分:人参提取物、牛油果树果脂', '3304990099', '142/035', 90, 210, 520, 620, '133', '880954145221'),
  p('KR-CKJ-RGE-240', '正官庄高丽参精', '人参浓缩膏|正官庄CheongKwanJang|240克/瓶|6年根高丽红参浓缩液100%', '2106909090', '142/035', 240, 420, 1100, 1380, '133', '880061420001'),
  p('KR-RYO-SHP-400', '吕红吕洗发水', '洗发水|吕Ryo|400ml/瓶|含人参、何首乌提取物|适用油性头皮', '3305100000', '142/035', 420, 470, 49, 69, '133', '880120305551'),
  p('US-NM-D3-300', '天维美维生素D3软胶囊', '膳食补充剂|Nature Made天维美|300粒/瓶|每粒含维生素D3 1000IU', '2106909090', '142/035', 140, 190, 69, 109, '502', '031604026707'),
  p('US-CTM-MV-100', '善存多维元素片', '膳食补充剂|善存Centrum|100片/瓶|含维生素A、C、D、E及钙、铁、锌等', '2106909090', '142/035', 170, 230, 99, 139, '502', '030573025331'),
  p('US-SIM-S3-850', '雅培亲体金装幼儿配方奶粉3段', '幼儿配方奶粉|雅培Abbott|850克/罐|1-3岁|成分:脱脂乳、乳糖、2\'-FL母乳低聚糖', '1901101000', '122/035', 850, 1050, 219, 269, '502', '070074583361'),
  p('US-COACH-TOTE', '蔻驰女士牛皮托特手提包', '手提包|蔻驰COACH|牛皮革面|尺寸33x27x13cm|款号CH285', '4202210090', '007/007/035', 820, 1150, 1590, 2390, '502', '195031218846'),
  p('GB-JOM-PEAR-30', '祖玛珑英国梨与小苍兰香水', '香水|祖玛珑Jo Malone|30ml/瓶|古龙水|果香调', '3303000000', '142/035', 120, 260, 480, 560, '303', '069016135018'),
  p('GB-PGC-MAMA-30', '薇塔贝尔孕妇复合维生素片', '膳食补充剂|Vitabiotics Pregnacare|30片/盒|含叶酸400μg、维生素D', '2106909090', '140/035', 40, 70, 89, 129, '303', '504624103505'),
  p('GB-BBR-SCARF', '博柏利经典格纹羊绒围巾', '围巾|博柏利BURBERRY|100%山羊绒|机织|168x30cm', '6214200000', '015/015/035', 180, 320, 2800, 3600, '303', '504538122304'),
  p('FR-LAN-GEN-50', '兰蔻小黑瓶精华肌底液', '护肤精华液|兰蔻LANCOME|50ml/瓶|成分:二裂酵母发酵产物溶胞物', '3304990099', '142/035', 140, 260, 680, 820, '305', '361427337811'),
  p('FR-CHA-N5-50', '香奈儿五号香水', '香水|香奈儿CHANEL|N°5淡香精|50ml/瓶|花香调', '3303000000', '142/035', 150, 330, 950, 1150, '305', '314526251400'),
  p('FR-LCP-FOUL-M', '珑骧牛皮手提包', '手提包|珑骧LONGCHAMP|Le Foulonné系列|牛皮革面|中号', '4202210090', '007/007/035', 760, 1080, 1690, 2390, '305', '333153215421'),
  p('AU-SWS-CAD-150', 'Swisse钙加维生素D片', '膳食补充剂|Swisse|150片/瓶|每片含钙600mg、维生素D3 500IU', '2106909090', '142/035', 290, 360, 89, 129, '601', '931114001238'),
  p('AU-BKM-FO-400', 'Blackmores深海鱼油软胶囊', '膳食补充剂|澳佳宝Blackmores|1000mg×400粒/瓶|含Omega-3 300mg/粒', '2106909090', '142/035', 560, 700, 159, 219, '601', '930094704513'),
  p('NZ-A2-PLT-S3-900', 'a2至初幼儿配方奶粉3段', '幼儿配方奶粉|a2至初|900克/罐|1-3岁|成分:含A2型β-酪蛋白的全脂乳', '1901101000', '122/035', 900, 1100, 219, 269, '609', '941830104027'),
  p('NZ-CMV-UMF10-250', '康维他麦卢卡蜂蜜UMF10+', '天然蜂蜜|康维他Comvita|UMF10+|250克/罐', '0409000000', '122/035', 250, 400, 199, 269, '609', '941300100251'),
  p('NZ-IB-MERINO-M', '美利奴羊毛针织套头衫', '针织套头衫|Icebreaker|100%美利奴羊毛|男款M码', '6110110000', '011/011/035', 320, 420, 499, 799, '609', '941606714723'),
  p('DE-APT-S3-800', '爱他美幼儿配方奶粉3段', '幼儿配方奶粉|爱他美Aptamil|800克/罐|1-3岁|成分:脱脂乳、乳糖、低聚半乳糖', '1901101000', '122/035', 800, 980, 199, 249, '304', '405664400134'),
  p('DE-DPH-Q10-60', '双心辅酶Q10胶囊', '膳食补充剂|双心Doppelherz|60粒/盒|每粒含辅酶Q10 30mg', '2106909090', '140/035', 50, 90, 89, 129, '304', '400951542187'),
];

function eanCheck(d12: string): string {
  let s = 0;
  for (let i = 0; i < 12; i++) s += Number(d12[i]) * (i % 2 ? 3 : 1);
  return d12 + ((10 - (s % 10)) % 10);
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and arithmetic

/** mulberry32: a small, fast 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mix(a: number, b: number): number {
  let h = Math.imul((a ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  /** 36-character upper-case UUID (version 4 layout). */
  uuid(): string {
    const h = () => this.int(0, 15).toString(16);
    const part = (n: number) => Array.from({ length: n }, h).join('');
    return `${part(8)}-${part(4)}-4${part(3)}-${'89ab'[this.int(0, 3)]}${part(3)}-${part(12)}`.toUpperCase();
  }
}

/** Money in fen → "123.40". */
export function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}
/** Weight in grams → "1.250" (kg). */
function kg(grams: number): string {
  return `${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, '0')}`;
}
/** round(num / den) half up, for non-negative integers. */
function divRound(num: number, den: number): number {
  return Math.floor((2 * num + den) / (2 * den));
}

/**
 * Retail-import tax of one line, in fen, on its dutiable value (goods + apportioned freight):
 * duty 0; VAT 13 % × 70 %; high-end cosmetics and perfume also consumption tax 15 % × 70 %,
 * both on the composite base value / (1 − 15 %). Each tax rounded half up to the fen.
 */
export function lineTax(baseFen: number, consumptionTax: boolean): { vat: number; ct: number } {
  if (!consumptionTax) return { vat: divRound(baseFen * 91, 1000), ct: 0 };
  return { vat: divRound(baseFen * 91, 850), ct: divRound(baseFen * 105, 850) };
}

/**
 * Splits head-level freight over lines pro rata by value, in whole fen: floor shares, then the
 * leftover fen one each to the largest remainders (earlier lines win ties).
 */
export function freightShares(freightFen: number, lineFen: number[]): number[] {
  const total = lineFen.reduce((a, b) => a + b, 0);
  if (total === 0) return lineFen.map((_, i) => (i === 0 ? freightFen : 0));
  const shares = lineFen.map((v) => Math.floor((freightFen * v) / total));
  const order = lineFen.map((v, i) => ({ i, r: freightFen * v - shares[i] * total })).sort((a, b) => b.r - a.r || a.i - b.i);
  let left = freightFen - shares.reduce((a, b) => a + b, 0);
  for (let k = 0; left > 0; k++, left--) shares[order[k].i]++;
  return shares;
}

/** An 18-character resident ID number (GB 11643) with a valid check character. */
export function idNumber(region: string, birth: Date, seq3: string): string {
  const ymd = `${birth.getUTCFullYear()}${String(birth.getUTCMonth() + 1).padStart(2, '0')}${String(birth.getUTCDate()).padStart(2, '0')}`;
  const body = region + ymd + seq3;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(body[i]) * w[i];
  return body + '10X98765432'[s % 11];
}

// ---------------------------------------------------------------------------------------------
// The generator

interface Person {
  name: string;
  phone: string;
  idNumber: string;
}

function person(rng: Rng, now: Date, home: District): Person {
  const female = rng.float() < 0.62;
  const name = rng.pick(SURNAMES) + rng.pick(female ? FEMALE_NAMES : MALE_NAMES);
  const region = rng.float() < 0.6 ? home.code : rng.pick(DISTRICTS).code;
  const age = rng.int(20, 55);
  const birth = new Date(Date.UTC(now.getUTCFullYear() - age, rng.int(0, 11), rng.int(1, 28)));
  const seq = rng.int(0, 49) * 2 + (female ? 0 : 1); // 17th digit: odd = male, even = female
  const id = idNumber(region, birth, `${rng.int(0, 9)}${String(seq).padStart(2, '0')}`);
  return { name, phone: rng.pick(MOBILE_PREFIXES) + rng.digits(8), idNumber: id };
}

/** Picks `n` distinct products within `budget` fen, preferring goods made in `origin`. */
function pickProducts(rng: Rng, n: number, budget: number, origin: string | null): Product[] {
  const chosen: Product[] = [];
  const cheapest = Math.min(...PRODUCTS.map((x) => x.max)) * 100;
  for (let i = 0; i < n; i++) {
    const left = budget - chosen.reduce((s, x) => s + x.max * 100, 0) - (n - i - 1) * cheapest;
    const fits = PRODUCTS.filter((x) => !chosen.includes(x) && x.max * 100 <= left);
    const local = fits.filter((x) => x.origin === origin);
    const pool = local.length && rng.float() < 0.75 ? local : fits;
    chosen.push(pool.length ? rng.pick(pool) : PRODUCTS.filter((x) => !chosen.includes(x)).sort((a, b) => a.max - b.max)[0]);
  }
  return chosen;
}

/** Single-transaction limit of CBEC retail import is 5,000 元 (goods + freight). */
const LIMIT_FEN = 490_000;

export function makeFlow(parties: Parties, options: FlowOptions): Flow {
  const { mode } = options;
  const rng = new Rng(options.seed ?? 1);
  const now = options.now ?? new Date();
  const serial = String(options.serial ?? rng.int(100_000, 999_999) * 1_000_000 + rng.int(0, 999_999)).padStart(12, '0').slice(-12);
  const prefix = options.orderNoPrefix ?? 'YG';
  if (prefix.length > 40) throw new RangeError('orderNoPrefix: at most 40 characters');
  const nLines = options.lines ?? rng.int(1, 3);
  if (!Number.isInteger(nLines) || nLines < 1 || nLines > 5) throw new RangeError('lines: an integer from 1 to 5');

  const today = cstDate(now);
  const orderNo = `${prefix}${today}${serial}`;
  const logisticsNo = `SD${today.slice(2)}${serial}`;
  const copNo = `GT${today.slice(2)}${serial}`; // 20 characters
  const payTransactionId = `LL${today}${serial}${rng.digits(4)}`;

  // Times, all in the past: order → payment → waybill → inventory.
  const minutes = (m: number) => new Date(now.getTime() - m * 60_000);
  const orderAt = minutes(rng.int(30, 45));
  const paidAt = new Date(orderAt.getTime() + rng.int(30, 300) * 1000);
  const paymentAt = new Date(paidAt.getTime() + rng.int(10, 60) * 1000);
  const waybillAt = new Date(paidAt.getTime() + rng.int(180, 600) * 1000);
  const inventoryAt = minutes(rng.int(1, 5));

  // People and address.
  const home = rng.pick(DISTRICTS);
  const buyer = person(rng, now, home);
  const consignee = rng.float() < 0.85 ? buyer : person(rng, now, home);
  const address = `${home.place}${rng.pick(home.streets)}${rng.int(1, 999)}号${rng.pick(COMMUNITIES)}${rng.int(1, 30)}幢${rng.int(1, 4)}单元${rng.int(1, 32)}${String(rng.int(1, 6)).padStart(2, '0')}室`;

  // Goods.
  const shipFrom = mode === '9610' ? rng.pick(Object.keys(FLIGHTS)) : null;
  const products = pickProducts(rng, nLines, LIMIT_FEN - 10_000, shipFrom);
  let spent = 0;
  const lines = products.map((prod) => {
    const price = rng.int(prod.min, prod.max) * 100 + rng.pick([0, 0, 0, 90, 50]);
    const room = LIMIT_FEN - 10_000 - spent - products.slice(products.indexOf(prod) + 1).reduce((s, x) => s + x.max * 100, 0);
    const qty = Math.max(1, Math.min(price < 20_000 ? rng.int(1, 4) : rng.int(1, 2), Math.floor(room / price)));
    spent += price * qty;
    return { prod, price, qty, total: price * qty };
  });
  const flatFreight = rng.float() < 0.6 ? 0 : rng.pick([600, 800, 1000, 1200]);
  const freightOf = (grams: number) => (mode === '9610' ? (30 + Math.max(0, Math.ceil(grams / 1000) - 1) * 12) * 100 : flatFreight);
  const packing = rng.int(150, 450);
  const weigh = (key: 'netG' | 'grossG') => lines.reduce((s, l) => s + l.prod[key] * l.qty, 0);
  // Keep goods + freight within the single-transaction limit.
  while (lines.reduce((s, l) => s + l.total, 0) + freightOf(weigh('grossG') + packing) > LIMIT_FEN) {
    const l = lines.filter((x) => x.qty > 1).sort((a, b) => b.total - a.total)[0];
    if (!l) break;
    l.qty--;
    l.total = l.price * l.qty;
  }
  const goodsValue = lines.reduce((s, l) => s + l.total, 0);
  const netG = weigh('netG');
  const grossG = weigh('grossG') + packing;
  const freight = freightOf(grossG);
  const discount = rng.float() < 0.4 ? Math.min(rng.pick([500, 1000, 2000, 3000, 5000]), Math.floor(goodsValue / 5 / 100) * 100) : 0;

  // Tax per line on goods + freight apportioned by value.
  const shares = freightShares(freight, lines.map((l) => l.total));
  const taxTotal = lines.reduce((sum, l, i) => {
    const t = lineTax(l.total + shares[i], l.prod.ct);
    return sum + t.vat + t.ct;
  }, 0);
  const acturalPaid = goodsValue + freight + taxTotal - discount;

  const { ebp, ebc, payment: pay, logistics, agent, warehouse } = parties;
  const control = (at: Date) => ({ guid: rng.uuid(), appType: '1', appTime: cstTime14(at), appStatus: '2' });

  const order: CebNode = {
    OrderHead: {
      ...control(orderAt),
      orderType: 'I', orderNo,
      ebpCode: ebp.code, ebpName: ebp.name, ebcCode: ebc.code, ebcName: ebc.name,
      goodsValue: yuan(goodsValue), freight: yuan(freight), discount: yuan(discount), taxTotal: yuan(taxTotal), acturalPaid: yuan(acturalPaid),
      currency: '142',
      buyerRegNo: `yg${buyer.phone.slice(0, 3)}${rng.digits(7)}`, buyerName: buyer.name, buyerTelephone: buyer.phone,
      buyerIdType: '1', buyerIdNumber: buyer.idNumber,
      payCode: pay.code, payName: pay.name, payTransactionId,
      consignee: consignee.name, consigneeTelephone: consignee.phone, consigneeAddress: address, consigneeDistrict: home.code,
    },
    OrderList: lines.map((l, i) => ({
      gnum: String(i + 1), itemNo: l.prod.sku, itemName: l.prod.name, gmodel: l.prod.gmodel, barCode: eanCheck(l.prod.ean),
      unit: l.prod.unit, qty: String(l.qty), price: yuan(l.price), totalPrice: yuan(l.total), currency: '142', country: l.prod.origin,
    })),
  };

  const payment: CebNode = {
    PaymentHead: {
      ...control(paymentAt),
      payCode: pay.code, payName: pay.name, payTransactionId, orderNo, ebpCode: ebp.code, ebpName: ebp.name,
      payerIdType: '1', payerIdNumber: buyer.idNumber, payerName: buyer.name, telephone: buyer.phone,
      amountPaid: yuan(acturalPaid), currency: '142', payTime: cstTime14(paidAt),
    },
  };

  const [flight, awbPrefix] = shipFrom ? rng.pick(FLIGHTS[shipFrom]) : ['', ''];
  const awbSerial = rng.int(1_000_000, 9_999_999);
  const billNo = `${awbPrefix}-${awbSerial}${awbSerial % 7}`;
  const goodsInfo = lines.map((l) => `${l.prod.name}*${l.qty}`).join(';');

  const waybill: CebNode = {
    LogisticsHead: {
      ...control(waybillAt),
      logisticsCode: logistics.code, logisticsName: logistics.name, logisticsNo,
      ...(shipFrom ? { billNo } : {}),
      orderNo, freight: yuan(freight), insuredFee: '0.00', currency: '142', weight: kg(grossG), packNo: '1',
      goodsInfo: [...goodsInfo].length > 200 ? [...goodsInfo].slice(0, 199).join('') + '…' : goodsInfo,
      consignee: consignee.name, consigneeAddress: address, consigneeTelephone: consignee.phone,
    },
  };

  const inventory: CebNode = {
    InventoryHead: {
      ...control(inventoryAt),
      orderNo, ebpCode: ebp.code, ebpName: ebp.name, ebcCode: ebc.code, ebcName: ebc.name,
      logisticsNo, logisticsCode: logistics.code, logisticsName: logistics.name,
      copNo, assureCode: ebc.code,
      ...(mode === '1210' ? { emsNo: options.emsNo ?? DEMO_EMS_NO } : {}),
      ieFlag: 'I', declTime: today, customsCode: CUSTOMS_CODE, portCode: CUSTOMS_CODE, ieDate: today,
      buyerIdType: '1', buyerIdNumber: buyer.idNumber, buyerName: buyer.name, buyerTelephone: buyer.phone, consigneeAddress: address,
      agentCode: agent.code, agentName: agent.name,
      ...(mode === '1210' ? { areaCode: warehouse.code, areaName: warehouse.name } : {}),
      tradeMode: mode,
      // 9610: the cross-border leg, by air (5); 1210: second-line exit from the bonded logistics centre (W 物流中心).
      trafMode: mode === '9610' ? '5' : 'W',
      ...(shipFrom ? { trafNo: flight, voyageNo: cstDate(minutes(rng.int(24 * 60, 72 * 60))), billNo } : {}),
      country: shipFrom ?? '142',
      freight: yuan(freight), insuredFee: '0.00', currency: '142', wrapType: '2', packNo: '1',
      grossWeight: kg(grossG), netWeight: kg(netG),
    },
    InventoryList: lines.map((l, i) => ({
      gnum: String(i + 1),
      ...(mode === '1210' ? { itemRecordNo: `XS${l.prod.hs.slice(0, 4)}${String(PRODUCTS.indexOf(l.prod) + 1).padStart(4, '0')}` } : {}),
      itemNo: l.prod.sku, itemName: l.prod.name, gcode: l.prod.hs, gname: l.prod.name, gmodel: l.prod.gmodel, barCode: eanCheck(l.prod.ean),
      country: l.prod.origin, ...(shipFrom ? { tradeCountry: shipFrom } : {}), currency: '142',
      qty: String(l.qty), unit: l.prod.unit,
      qty1: l.prod.unit1 === '035' ? kg(l.prod.netG * l.qty) : String(l.qty), unit1: l.prod.unit1,
      ...(l.prod.unit2 ? { qty2: kg(l.prod.netG * l.qty), unit2: l.prod.unit2 } : {}),
      price: yuan(l.price), totalPrice: yuan(l.total),
    })),
  };

  return { orderNo, logisticsNo, copNo, payTransactionId, order, payment, waybill, inventory };
}

/** `n` flows with distinct numbers (consecutive serials) and independent content. */
export function makeFlows(parties: Parties, n: number, options: FlowOptions): Flow[] {
  const seed = options.seed ?? 1;
  const rng = new Rng(mix(seed, 0x5eed));
  const base = options.serial ?? rng.int(100_000, 899_999) * 1_000_000 + rng.int(0, 999_999);
  return Array.from({ length: n }, (_, i) => makeFlow(parties, { ...options, seed: mix(seed, i + 1), serial: base + i }));
}

const RECORD_ELEMENT: Record<ImportRoot, string> = {
  CEB311Message: 'Order',
  CEB411Message: 'Payment',
  CEB511Message: 'Logistics',
  CEB621Message: 'Inventory',
};

/**
 * A complete CEB message (XML, `ceb:` prefix) holding `records`, transmitted by `sender`.
 * The message guid defaults to the record's own guid for a single record, else a stable
 * upper-case UUID derived from the record guids. `signature` is raw `<ds:Signature>` XML
 * placed as-is (CEB621 requires one; see PLACEHOLDER_SIGNATURE).
 */
export function wrapMessage(root: ImportRoot, records: CebNode[], sender: Party, guid?: string, signature?: string): string {
  const body: CebNode = {
    guid: guid ?? messageGuid(records),
    version: '1.0',
    [RECORD_ELEMENT[root]]: records,
    BaseTransfer: { copCode: sender.code, copName: sender.name, dxpMode: 'DXP', dxpId: sender.dxpId },
  };
  if (signature !== undefined) body.Signature = signature;
  return buildDocument(MESSAGES[root], body, { prefix: 'ceb' });
}

function messageGuid(records: CebNode[]): string {
  const guids = records.map((r) => {
    const head = Object.entries(r).find(([k]) => k.endsWith('Head'))?.[1] as CebNode | undefined;
    return String(head?.guid ?? '');
  });
  if (guids.length === 1 && guids[0].length === 36) return guids[0];
  const h = createHash('sha1').update(guids.join('|')).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${'89AB'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
